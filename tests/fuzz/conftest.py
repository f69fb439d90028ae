from tests.e2e.conftest import make_cluster

__all__ = ["make_cluster"]
