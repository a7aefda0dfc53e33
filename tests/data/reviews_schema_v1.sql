-- A PriceScope database as the hand-rolled migrations (schema version 1, before Alembic) left it,
-- with data: two users (one disabled), two decisions (one changed twice), three history entries and
-- two login attempts. Written by that code through its own stores, then dumped with sqlite3's
-- iterdump(); tests/test_db.py checks that adopting it loses nothing.
BEGIN TRANSACTION;
CREATE TABLE decision_history (
	id INTEGER NOT NULL, 
	item_id VARCHAR(200) NOT NULL, 
	version INTEGER NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	new_price FLOAT, 
	reason_code VARCHAR(32) NOT NULL, 
	note TEXT NOT NULL, 
	run_id VARCHAR(64) NOT NULL, 
	decided_by VARCHAR(64) NOT NULL, 
	decided_at DATETIME NOT NULL, 
	previous_action VARCHAR(16), 
	PRIMARY KEY (id)
);
INSERT INTO "decision_history" VALUES(1,'SKU-0000001',1,'accepted',NULL,'price_correct','checked with the buyer','20260101T000000000000Z-5e1f00','ana','2026-11-29 10:41:27.672890',NULL);
INSERT INTO "decision_history" VALUES(2,'SKU-0000002',1,'accepted',NULL,'price_correct','checked with the buyer','20260101T000000000000Z-5e1f00','ana','2026-11-29 10:41:27.679971',NULL);
INSERT INTO "decision_history" VALUES(3,'SKU-0000001',2,'reprice',95.5,'competitor','matched the market','20260101T000000000000Z-5e1f00','ana','2026-11-29 10:41:27.681031','accepted');
CREATE TABLE decisions (
	item_id VARCHAR(200) NOT NULL, 
	version INTEGER NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	new_price FLOAT, 
	reason_code VARCHAR(32) NOT NULL, 
	note TEXT NOT NULL, 
	run_id VARCHAR(64) NOT NULL, 
	decided_by VARCHAR(64) NOT NULL, 
	decided_at DATETIME NOT NULL, 
	actual FLOAT, 
	fair_price FLOAT, 
	at_stake FLOAT, 
	volume FLOAT, 
	direction VARCHAR(8), 
	PRIMARY KEY (item_id)
);
INSERT INTO "decisions" VALUES('SKU-0000001',2,'reprice',95.5,'competitor','matched the market','20260101T000000000000Z-5e1f00','ana','2026-11-29 10:41:27.681031',80.0,100.0,400.0,20.0,'under');
INSERT INTO "decisions" VALUES('SKU-0000002',1,'accepted',NULL,'price_correct','checked with the buyer','20260101T000000000000Z-5e1f00','ana','2026-11-29 10:41:27.679971',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE login_attempts (
	id INTEGER NOT NULL, 
	user_name VARCHAR(64) NOT NULL, 
	remote_addr VARCHAR(64) NOT NULL, 
	attempted_at DATETIME NOT NULL, 
	succeeded BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "login_attempts" VALUES(1,'ana','127.0.0.1','2026-11-29 10:41:27.682633',0);
INSERT INTO "login_attempts" VALUES(2,'ana','127.0.0.1','2026-11-29 10:41:27.692681',1);
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
INSERT INTO "schema_migrations" VALUES(1,'2026-11-29 10:41:27.237049');
CREATE TABLE users (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
INSERT INTO "users" VALUES(1,'ana','scrypt:32768:8:1$JY1599uZY3zX2CbI$ee426eed77332809d26e66ada6f7418fffb36520fbb9e5184fa2866a28639f03560a12dce776a5f9d21aacfcfd4f680db871ab09a3098c597b47941eb14acc0f','analyst',1,'2026-11-29 10:41:27.252276','2026-11-29 10:41:27.252276');
INSERT INTO "users" VALUES(2,'vic','scrypt:32768:8:1$wh8ZKBTW0Z4H40Cn$38c70335d183821cae5a0e08b28a4acad163f79863b0670a1e6e5edd66421af64d5ea5cbaeb4100577ac27018baee5a1bdd599dbf2169546ee427d8ea92aa5c9','viewer',0,'2026-11-29 10:41:27.532214','2026-11-29 10:41:27.666583');
CREATE UNIQUE INDEX ix_decision_history_item ON decision_history (item_id, version);
CREATE INDEX ix_login_attempts_addr ON login_attempts (remote_addr, attempted_at);
CREATE INDEX ix_login_attempts_user ON login_attempts (user_name, attempted_at);
COMMIT;
