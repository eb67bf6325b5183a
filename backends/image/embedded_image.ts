/**
 * The default guest image that ships with demu. `images/bundle.sh` stages the
 * firmware, kernel and initramfs in images/default/; `deno task start` boots
 * them from there, and `deno task compile` embeds that folder in the binary
 * (`--include images/default`), where the module's own folder is inside the
 * binary: the same path, found by this same code, names the embedded copy.
 */
import { fileUrlPath } from "../host_path.ts";

/** The repository's images/default/, in the source tree or inside the binary. */
export const EMBEDDED_IMAGE_DIR = fileUrlPath(new URL("../../images/default", import.meta.url));
