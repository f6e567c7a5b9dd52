-- The schema a controlmap database had before migrations (meta.schema_version 1), as
-- the code at commit d1877d5 created it on sqlite; tests/test_migrations.py builds old
-- databases from it.
CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE documents (
	doc_id INTEGER NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	name TEXT NOT NULL, 
	source TEXT NOT NULL, 
	title TEXT NOT NULL, 
	published DATE NOT NULL, 
	text TEXT NOT NULL, 
	ingested_at DATETIME NOT NULL, 
	PRIMARY KEY (doc_id)
);
CREATE UNIQUE INDEX ix_documents_content_hash ON documents (content_hash);
CREATE TABLE mentions (
	mention_id INTEGER NOT NULL, 
	doc_id INTEGER NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	place_id VARCHAR(200) NOT NULL, 
	place TEXT NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	province_iso VARCHAR(16), 
	country VARCHAR(8) NOT NULL, 
	lat FLOAT NOT NULL, 
	lon FLOAT NOT NULL, 
	confidence FLOAT NOT NULL, 
	reason TEXT NOT NULL, 
	PRIMARY KEY (mention_id), 
	FOREIGN KEY(doc_id) REFERENCES documents (doc_id) ON DELETE CASCADE
);
CREATE INDEX ix_mentions_doc_id ON mentions (doc_id);
CREATE TABLE claims (
	claim_id VARCHAR(64) NOT NULL, 
	doc_id INTEGER, 
	document TEXT NOT NULL, 
	event_date DATE NOT NULL, 
	place TEXT NOT NULL, 
	place_id VARCHAR(200) NOT NULL, 
	place_kind VARCHAR(32) NOT NULL, 
	province_iso VARCHAR(16), 
	actor VARCHAR(64) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	claimant VARCHAR(64) NOT NULL, 
	geo_precision INTEGER NOT NULL, 
	confidence FLOAT NOT NULL, 
	quote TEXT NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	lat FLOAT, 
	lon FLOAT, 
	origin VARCHAR(32) NOT NULL, 
	note TEXT NOT NULL, 
	author TEXT NOT NULL, 
	PRIMARY KEY (claim_id), 
	FOREIGN KEY(doc_id) REFERENCES documents (doc_id) ON DELETE CASCADE
);
CREATE INDEX ix_claims_doc_id ON claims (doc_id);
CREATE INDEX ix_claims_province_iso ON claims (province_iso);
CREATE INDEX ix_claims_event_date ON claims (event_date, claim_id);
CREATE TABLE counts (
	count_id INTEGER NOT NULL, 
	doc_id INTEGER NOT NULL, 
	document TEXT NOT NULL, 
	event_date DATE NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	count INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	unit VARCHAR(64) NOT NULL, 
	quote TEXT NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	PRIMARY KEY (count_id), 
	FOREIGN KEY(doc_id) REFERENCES documents (doc_id) ON DELETE CASCADE
);
CREATE INDEX ix_counts_doc_id ON counts (doc_id);
CREATE TABLE edits (
	edit_id INTEGER NOT NULL, 
	claim_id VARCHAR(64) NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	author TEXT NOT NULL, 
	note TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (edit_id), 
	CONSTRAINT ck_edits_action CHECK (action IN ('reject', 'restore', 'add')), 
	FOREIGN KEY(claim_id) REFERENCES claims (claim_id) ON DELETE CASCADE
);
CREATE INDEX ix_edits_claim_id ON edits (claim_id);
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
