from tests.dbs import database_url

__all__ = ["database_url"]
