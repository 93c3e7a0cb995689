"""The ONNX library's own checks on exported models: onnx.checker (full_check: the operator
schemas, input counts and attribute types of every node) and strict shape inference.

stdin: {"models": [{"name": str, "base64": str}]}
stdout: {name: "ok" or the checker's message}
"""
import base64
import json
import sys

import onnx
from onnx import shape_inference

out = {}
for m in json.load(sys.stdin)["models"]:
    try:
        model = onnx.load_from_string(base64.b64decode(m["base64"]))
        onnx.checker.check_model(model, full_check=True)
        shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
        out[m["name"]] = "ok"
    except Exception as e:  # the message is the test's failure text
        out[m["name"]] = f"{type(e).__name__}: {e}"
json.dump(out, sys.stdout)
