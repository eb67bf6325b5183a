/**
 * The one test for "this name is a URL": TinyEMU and JSLinux configs name
 * their files by http(s) URL, and so may a drive, a kernel or a config.
 */
export const isUrl = (name: string): boolean => /^https?:\/\//i.test(name);
