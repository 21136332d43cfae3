// The kernel_info_reply content: who this kernel is and which language it runs.

import { createRequire } from "node:module";
import { version } from "../src/version.js";
import { PROTOCOL_VERSION, type Content } from "./wire.js";

/** Display name of the kernelspec and banner title. */
export const DISPLAY_NAME = "TypeScript (Cellflow)";

function typescriptVersion(): string {
  try {
    // Only the package.json: loading the compiler itself costs a few hundred ms at startup.
    return (createRequire(import.meta.url)("typescript/package.json") as { version: string }).version;
  } catch {
    return "";
  }
}

/** The content of kernel_info_reply (status ok). */
export function kernelInfoContent(): Content {
  const tsVersion = typescriptVersion();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "cellflow",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: tsVersion,
      mimetype: "text/x.typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
      nbconvert_exporter: "script",
    },
    banner: `${DISPLAY_NAME} ${version} — TypeScript ${tsVersion} on Node ${process.versions.node}`,
    help_links: [{ text: "Cellflow", url: "https://github.com/cellflow/cellflow#readme" }],
  };
}
