"""Test-wide settings.

Under CI (the CI environment variable is set) hypothesis draws the same
examples every run, so a red build always reproduces; locally it explores new
ones each time. Long random searches belong in bench/fuzz.py.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
