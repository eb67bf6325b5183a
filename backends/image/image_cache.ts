import { join } from "../host_path.ts";
import { EMBEDDED_IMAGE_DIR } from "./embedded_image.ts";

/** The three files that boot the default image. */
export interface ImagePaths {
  bios: string;
  kernel: string;
  initrd: string;
}

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

function imagePathsIn(dir: string): ImagePaths {
  return {
    bios: join(dir, "fw_jump.bin"),
    kernel: join(dir, "Image"),
    initrd: join(dir, "initramfs.cpio"),
  };
}

/** The image's files in `dir`; undefined when one is missing; throws when reading is denied. */
function probe(dir: string): ImagePaths | undefined {
  const paths = imagePathsIn(dir);
  for (const p of Object.values(paths)) {
    try {
      Deno.statSync(p);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      if (e instanceof Deno.errors.NotCapable) {
        throw new Error(`reading the default image in ${dir} needs --allow-read=${dir}`);
      }
      throw e;
    }
  }
  return paths;
}

/** The cached default image's files, with a clear error naming the command that builds them. */
export function defaultImagePaths(): ImagePaths {
  const dir = defaultImageDir();
  const paths = probe(dir);
  if (!paths) {
    throw new Error(
      `the default image is not built (${dir} is incomplete): run \`deno task images\``,
    );
  }
  return paths;
}

/** Where the default image was found: the embedded copy, or the build cache. */
export interface FoundImage {
  dir: string;
  paths: ImagePaths;
  /** True when it came from the cache, which took --allow-env=DEMU_CACHE,HOME to find. */
  fromCache: boolean;
}

/**
 * The image demu boots when given nothing else: the embedded copy
 * (images/default, inside the binary when compiled), else the build cache.
 */
export function findDefaultImage(embeddedDir = EMBEDDED_IMAGE_DIR): FoundImage {
  let embeddedDenied = false;
  try {
    const paths = probe(embeddedDir);
    if (paths) return { dir: embeddedDir, paths, fromCache: false };
  } catch (e) {
    if (!(e instanceof Error && e.message.includes("needs --allow-read"))) throw e;
    embeddedDenied = true;
  }
  try {
    const dir = defaultImageDir();
    return { dir, paths: defaultImagePaths(), fromCache: true };
  } catch (e) {
    const cacheFlag = /needs (--allow-\S+)/.exec((e as Error).message)?.[1];
    if (embeddedDenied) {
      throw new Error(
        `the default image needs --allow-read=${embeddedDir}` +
          (cacheFlag ? ` (or ${cacheFlag} to use the build cache)` : ""),
      );
    }
    if (cacheFlag) throw e;
    throw new Error(
      `the default image is not built (neither ${embeddedDir} nor the cache has it): ` +
        "run `deno task start` or `bash images/bundle.sh`",
    );
  }
}

/** The kernel command line for the default image: the virtio console, SBI early console. */
export const DEFAULT_CMDLINE = "console=hvc1 earlycon=sbi";
