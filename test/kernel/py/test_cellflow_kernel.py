"""jupyter_kernel_test's protocol suite against the Cellflow kernel (run by test/kernel/protocol-suite.test.ts)."""

import json
import os
import unittest

import jupyter_kernel_test
from kernel_start import start_new_kernel
from jupyter_client.utils import run_sync
from jupyter_kernel_test.msgspec_v5 import validate_message

DISPLAY = json.dumps(os.environ["CELLFLOW_DISPLAY_MODULE"])
IMPORT = "import { display, clearOutput } from " + DISPLAY + ";\n"


class CellflowKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ["CELLFLOW_KERNEL_NAME"]
    language_name = "typescript"
    file_extension = ".ts"

    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name=cls.kernel_name, cwd=os.environ["CELLFLOW_WORK_DIR"])

    def execute_helper(self, code, timeout=jupyter_kernel_test.TIMEOUT, silent=False, store_history=True, stop_on_error=True):
        """The suite's own helper, except for how long it waits for each output message after the reply: 0.1 s there.
        Under %typecheck warn this kernel replies once a cell ran and sends the cell's type errors when its check ends,
        then idle (the protocol sets no bound on that; a check after an import, or on a loaded machine, takes longer)."""
        msg_id = self.kc.execute(code=code, silent=silent, store_history=store_history, stop_on_error=stop_on_error)
        reply = self.get_non_kernel_info_reply(timeout=timeout)
        validate_message(reply, "execute_reply", msg_id)
        busy_msg = run_sync(self.kc.iopub_channel.get_msg)(timeout=1)
        validate_message(busy_msg, "status", msg_id)
        self.assertEqual(busy_msg["content"]["execution_state"], "busy")
        output_msgs = []
        while True:
            msg = run_sync(self.kc.iopub_channel.get_msg)(timeout=timeout)
            validate_message(msg, msg["msg_type"], msg_id)
            if msg["msg_type"] == "status":
                self.assertEqual(msg["content"]["execution_state"], "idle")
                break
            if msg["msg_type"] == "execute_input":
                self.assertEqual(msg["content"]["code"], code)
                continue
            output_msgs.append(msg)
        return reply, output_msgs

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
