// The package version, reported by `cellflow --version` and the kernel's kernel_info.

export const version = "0.1.0";
