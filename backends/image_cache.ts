import { join } from "node:path";

/**
 * Where `images/build.sh` leaves the default guest images and
 * `tests/programs/build.sh` the test programs: $DEMU_CACHE, else
 * ~/.cache/demu. Reading it needs --allow-env=DEMU_CACHE,HOME.
 */
export function cacheDir(): string {
  let base: string | undefined;
  let home: string | undefined;
  try {
    base = Deno.env.get("DEMU_CACHE");
    home = Deno.env.get("HOME");
  } catch {
    throw new Error("finding the image cache needs --allow-env=DEMU_CACHE,HOME");
  }
  return base ?? join(home ?? ".", ".cache", "demu");
}

/** The folder with fw_jump.bin, Image, initramfs.cpio(.gz) and rootfs.ext4. */
export function defaultImageDir(): string {
  return join(cacheDir(), "images", "current");
}

/** The default image's files, with a clear error naming the command that builds them. */
export function defaultImagePaths(): { bios: string; kernel: string; initrd: string } {
  const dir = defaultImageDir();
  const paths = {
    bios: join(dir, "fw_jump.bin"),
    kernel: join(dir, "Image"),
    initrd: join(dir, "initramfs.cpio"),
  };
  for (const p of Object.values(paths)) {
    try {
      Deno.statSync(p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new Error(
          `the default image is not built (${p} is missing): run \`deno task images\``,
        );
      }
      if (e instanceof Deno.errors.NotCapable) {
        throw new Error(`reading the default image in ${dir} needs --allow-read`);
      }
      throw e;
    }
  }
  return paths;
}

/** The kernel command line for the default image: the virtio console, SBI early console. */
export const DEFAULT_CMDLINE = "console=hvc0 earlycon=sbi";
