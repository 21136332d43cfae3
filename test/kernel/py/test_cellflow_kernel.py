"""jupyter_kernel_test's protocol suite against the Cellflow kernel (run by test/kernel/protocol-suite.test.ts)."""

import json
import os
import unittest

import jupyter_kernel_test
from jupyter_client.manager import start_new_kernel

DISPLAY = json.dumps(os.environ["CELLFLOW_DISPLAY_MODULE"])
IMPORT = "import { display, clearOutput } from " + DISPLAY + ";\n"


class CellflowKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ["CELLFLOW_KERNEL_NAME"]
    language_name = "typescript"
    file_extension = ".ts"

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, cwd=os.environ["CELLFLOW_WORK_DIR"])

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const zzUniqueName = 1;\nzzUniq", "matches": {"zzUniqueName"}},
    ]

    complete_code_samples = ["1", "const x = 1;", "function f(a: number) {\n  return a;\n}"]
    incomplete_code_samples = ["function f(a: number) {", "const xs = [1,", "`unterminated ${1}"]
    invalid_code_samples = ["const = ;", ")"]

    code_generate_error = 'throw new Error("boom")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "({ a: [1, 2], b: { c: true } })", "result": "{ a: [ 1, 2 ], b: { c: true } }"},
        {"code": "[{ state: 'NY', n: 1 }]", "mime": "text/html"},
    ]

    code_display_data = [
        {"code": IMPORT + 'display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": IMPORT + 'display([{ a: 1 }])', "mime": "text/plain"},
        {"code": IMPORT + 'display.markdown("# title")', "mime": "text/markdown"},
    ]

    code_history_pattern = "6 ? 7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = IMPORT + "clearOutput()"


if __name__ == "__main__":
    unittest.main()
