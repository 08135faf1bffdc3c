"""The corpus store: articles and their statements in SQLite (default) or PostgreSQL.

* :mod:`.schema` -- the tables (SQLAlchemy Core); :mod:`.migrations` -- Alembic revisions, applied on open;
* :mod:`.db` -- opening a database (URL or path), SQLite set-up, write transactions;
* :mod:`.ingest` -- the batch ingest (dedupe, language, extract, one transaction per article);
* :mod:`.reextract` -- recomputing statements after an extractor change, keeping human reviews and statement ids;
* :mod:`.review` -- confirming, rejecting and correcting statements and stances, the audit trail, undo;
* :mod:`.query` -- filtered reads, status, and the table/CSV/JSONL/Parquet writers;
* :mod:`.cli` -- the ``ingest``, ``statements``, ``articles``, ``status`` and ``reextract`` commands;
* :mod:`.dedupe`, :mod:`.language`, :mod:`.write` -- duplicate keys, language detection, row writers.

The Python API for notebooks is :func:`stancemap.open` (:mod:`stancemap.api`).
"""
