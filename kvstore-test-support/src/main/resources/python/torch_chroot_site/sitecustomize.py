"""Test-only: makes torch.distributed.TCPStore default to use_libuv=False in the torch chroots (2.6 and the newest).

Debian's torch 2.x is built without libuv, while TCPStore defaults to use_libuv=True and refuses to start without it.
USE_LIBUV=0 covers init_process_group and torch.distributed.elastic's store helper, but torchrun's c10d rendezvous
backend constructs its TCPStore without passing use_libuv, so the default itself is changed here. The wire protocol is
the same either way. Installed on PYTHONPATH by the chroot runtimes of dev.kvstore.testing.PythonRuntime only.
"""
import importlib.abc
import importlib.util
import sys


def _default_without_libuv(module):
    store_class = module.TCPStore
    original_init = store_class.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("use_libuv", False)
        original_init(self, *args, **kwargs)

    store_class.__init__ = __init__


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Patches torch.distributed once it is imported, so processes that never import torch pay nothing."""

    def find_spec(self, name, path=None, target=None):
        if name != "torch.distributed":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _default_without_libuv(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PatchAfterImport())
