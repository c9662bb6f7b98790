"""The database schema as ordered migrations: entry N brings a database to version N."""

Migration = str
# How the keyword tables cut text into terms; core.terms keys words with the same tokenizer.
FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"
MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE roots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        content_hash TEXT,
        status TEXT NOT NULL,
        reason TEXT,
        title TEXT,
        indexed_at REAL
    );
    CREATE INDEX files_root ON files(root_id);
    CREATE INDEX files_status ON files(status);
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        line INTEGER,
        page INTEGER,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX chunks_file ON chunks(file_id);
    CREATE INDEX chunks_hash ON chunks(content_hash);
    CREATE TABLE vectors (
        chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (chunk_id, model_id)
    ) WITHOUT ROWID;
    CREATE INDEX vectors_model ON vectors(model_id);
    """,
    # 2: the persistent work queue: paths to reconcile with the disk, in priority order.
    """
    CREATE TABLE pending (
        path TEXT PRIMARY KEY,
        root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
        priority REAL NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX pending_order ON pending(priority, seq);
    -- moves are found by inode
    CREATE INDEX files_inode ON files(inode);
    """,
    # 3: keyword search. FTS5 over chunk text and over file names and paths, kept in step by
    # triggers, so they change in the same transaction as the rows they index.
    """
    ALTER TABLE files ADD COLUMN name TEXT NOT NULL DEFAULT '';
    UPDATE files SET name = replace(path, rtrim(path, replace(replace(path, '/', ''), '\\', '')), '');
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    );
    INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');
    CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER chunks_fts_update AFTER UPDATE OF text ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE VIRTUAL TABLE names_fts USING fts5(
        name, path, content='files', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
    );
    INSERT INTO names_fts(names_fts) VALUES ('rebuild');
    CREATE TRIGGER names_fts_insert AFTER INSERT ON files BEGIN
        INSERT INTO names_fts(rowid, name, path) VALUES (new.id, new.name, new.path);
    END;
    CREATE TRIGGER names_fts_delete AFTER DELETE ON files BEGIN
        INSERT INTO names_fts(names_fts, rowid, name, path) VALUES ('delete', old.id, old.name, old.path);
    END;
    CREATE TRIGGER names_fts_update AFTER UPDATE OF name, path ON files BEGIN
        INSERT INTO names_fts(names_fts, rowid, name, path) VALUES ('delete', old.id, old.name, old.path);
        INSERT INTO names_fts(rowid, name, path) VALUES (new.id, new.name, new.path);
    END;
    """,
]
