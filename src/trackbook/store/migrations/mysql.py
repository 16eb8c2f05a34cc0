"""Table options for MySQL and MariaDB, used by every migration that creates a table."""

from __future__ import annotations

from typing import Any

from alembic import op


def table_options() -> dict[str, Any]:
    """utf8mb4 with the server's binary NO PAD collation, on MySQL-family servers.

    MySQL/MariaDB compare strings case-insensitively by default, and their ``*_bin``
    collations still ignore trailing spaces, so "t" and "t " would be one tag key.
    MariaDB's ``utf8mb4_nopad_bin`` and MySQL 8's ``utf8mb4_0900_bin`` compare every
    character, as SQLite and PostgreSQL do. MySQL before 8.0 has neither and gets
    ``utf8mb4_bin``. The collation depends on the server, so it is chosen here, when
    the table is created, rather than written into ``schema.py``.
    """
    bind = op.get_bind()
    if bind.dialect.name != "mysql":
        return {}
    version = str(bind.exec_driver_sql("SELECT VERSION()").scalar())
    if "mariadb" in version.lower():
        collation = "utf8mb4_nopad_bin"
    elif int(version.split(".", 1)[0]) >= 8:
        collation = "utf8mb4_0900_bin"
    else:
        collation = "utf8mb4_bin"
    return {"mysql_charset": "utf8mb4", "mysql_collate": collation, "mysql_engine": "InnoDB"}
