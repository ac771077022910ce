"""The shared runtime of generated tests: a pytest plugin (`hf_testgen.testing.plugin`).

Generated files hold only their constants and short tests; loading, devices, skips, timing,
results lines, goldens and device parity live here once. Generated tests therefore need the
hf-testgen package installed, as transformers' own tests need `transformers.testing_utils`.
"""

from .model import DeviceRecord, ModelUnderTest
from .runners import TaskOutput
from .settings import RuntimeSettings, Target

__all__ = ["DeviceRecord", "ModelUnderTest", "RuntimeSettings", "Target", "TaskOutput"]
