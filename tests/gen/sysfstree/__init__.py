# SPDX-License-Identifier: GPL-2.0-or-later
"""The parts of tests/gen/mktree.py, one module per job (see mktree.py)."""
