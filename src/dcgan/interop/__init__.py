"""Taking a trained generator out of this package: ONNX graphs (``export.py``) and safetensors
files (``safetensors_io.py``) that other runtimes, and ``dcgan sample`` itself, can load."""
