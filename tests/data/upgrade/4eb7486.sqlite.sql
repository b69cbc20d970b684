BEGIN TRANSACTION;
CREATE TABLE actions (
	site VARCHAR NOT NULL, 
	action_id VARCHAR NOT NULL, 
	candidate_id VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	owner VARCHAR NOT NULL, 
	due_date DATE NOT NULL, 
	created_date DATE, 
	done_date DATE, 
	origin VARCHAR DEFAULT 'source' NOT NULL, 
	PRIMARY KEY (action_id)
);
INSERT INTO "actions" VALUES('north','a1','c1','Ring til arbejdsgiver','consultant','2024-02-01','2024-01-20',NULL,'source');
INSERT INTO "actions" VALUES('north','a2','c2','Jobsamtale','candidate','2024-03-01','2024-02-25','2024-02-28','source');
INSERT INTO "actions" VALUES('south','a3','c4','Budget','clinician','2024-02-15','2024-02-01',NULL,'source');
INSERT INTO "actions" VALUES('north','conf-414ca35598af','c1','Book møde med Netto','consultant','2024-03-01','2024-02-20','2024-02-27','conference');
CREATE TABLE audit (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	user VARCHAR NOT NULL, 
	site VARCHAR NOT NULL, 
	"table" VARCHAR NOT NULL, 
	row_key VARCHAR NOT NULL, 
	candidate_id VARCHAR, 
	action VARCHAR NOT NULL, 
	"before" TEXT, 
	"after" TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "audit" VALUES(1,'2026-12-03 18:49:04.830783','anna','north','conferences','2024-02-20/c1','c1','insert',NULL,'{"candidate_id": "c1", "consultant_id": "k1", "date": "2024-02-20", "decision": "Ring arbejdsgiveren", "origin": "conference", "recorded_by": "anna", "site": "north", "team": "Team Nord"}');
INSERT INTO "audit" VALUES(2,'2026-12-03 18:49:04.854330','anna','north','actions','conf-414ca35598af','c1','insert',NULL,'{"action_id": "conf-414ca35598af", "candidate_id": "c1", "created_date": "2024-02-20", "description": "Book møde med Netto", "done_date": null, "due_date": "2024-03-01", "origin": "conference", "owner": "consultant", "site": "north"}');
INSERT INTO "audit" VALUES(3,'2026-12-03 18:49:04.874404','bo','north','actions','conf-414ca35598af','c1','update','{"action_id": "conf-414ca35598af", "candidate_id": "c1", "created_date": "2024-02-20", "description": "Book møde med Netto", "done_date": null, "due_date": "2024-03-01", "origin": "conference", "owner": "consultant", "site": "north"}','{"action_id": "conf-414ca35598af", "candidate_id": "c1", "created_date": "2024-02-20", "description": "Book møde med Netto", "done_date": "2024-02-27", "due_date": "2024-03-01", "origin": "conference", "owner": "consultant", "site": "north"}');
INSERT INTO "audit" VALUES(4,'2026-12-03 18:49:04.897673','karin','south','conferences','2024-02-14/c4','c4','insert',NULL,'{"candidate_id": "c4", "consultant_id": "k3", "date": "2024-02-14", "decision": "Fortsätt", "origin": "conference", "recorded_by": "karin", "site": "south", "team": null}');
CREATE TABLE candidates (
	candidate_id VARCHAR NOT NULL, 
	site VARCHAR NOT NULL, 
	referral_date DATE NOT NULL, 
	cpr_hash VARCHAR, 
	initials VARCHAR, 
	gender VARCHAR, 
	birth_year INTEGER, 
	municipality VARCHAR, 
	consultant_id VARCHAR, 
	clinician_id VARCHAR, 
	consent_date DATE, 
	intake_date DATE, 
	phase VARCHAR, 
	discharge_date DATE, 
	discharge_reason VARCHAR, 
	PRIMARY KEY (candidate_id)
);
INSERT INTO "candidates" VALUES('c1','north','2024-01-10','dfa1214dbf659f5157c6b5f2b601fbc15a8e5b088ee3e99ab42ef22fadb00054','AH','female',1990,'Aarhus','k1','b1','2024-01-12','2024-01-15','job_search',NULL,NULL);
INSERT INTO "candidates" VALUES('c2','north','2024-02-15','fc5b070c95a23c69eb5dabb9788176fd545894f5e0368ada4fd31820680f0dc4','BL','female',1985,'Århus','k2','b1','2024-02-16','2024-02-20','employed',NULL,NULL);
INSERT INTO "candidates" VALUES('c3','north','2024-03-01',NULL,'CD','male',1990,'Skanderborg','k1',NULL,'2024-03-02','2024-03-05','discharged','2024-09-01','moved');
INSERT INTO "candidates" VALUES('c4','south','2024-01-20','32999fbc0b7b8c84944335cd6613936a184a66da4c28c318f18f5c2023ef1f04','EF','female',1990,'Jönköping','k3','b2','2024-01-21','2024-01-25','assessment',NULL,NULL);
INSERT INTO "candidates" VALUES('c5','south','2024-02-01','91f7e9fc65a9b1b8006a308121ef7abdc3c359e512d38988bd8fd2dfb3b8ba8e','GH','male',1985,'Växjö','k3',NULL,NULL,NULL,'referral',NULL,NULL);
CREATE TABLE clinicians (
	clinician_id VARCHAR NOT NULL, 
	site VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	team VARCHAR, 
	PRIMARY KEY (clinician_id)
);
INSERT INTO "clinicians" VALUES('b1','north','Lise Dahl','Team Nord');
INSERT INTO "clinicians" VALUES('b2','south','Erik Ek','Team Norr');
CREATE TABLE conferences (
	site VARCHAR NOT NULL, 
	date DATE NOT NULL, 
	candidate_id VARCHAR, 
	consultant_id VARCHAR, 
	team VARCHAR, 
	decision VARCHAR, 
	recorded_by VARCHAR, 
	origin VARCHAR DEFAULT 'source' NOT NULL
);
INSERT INTO "conferences" VALUES('north','2024-02-06','c1','k1','Team Nord',NULL,NULL,'source');
INSERT INTO "conferences" VALUES('north','2024-02-13',NULL,NULL,'Team Nord',NULL,NULL,'source');
INSERT INTO "conferences" VALUES('south','2024-02-07','c4','k3',NULL,NULL,NULL,'source');
INSERT INTO "conferences" VALUES('north','2024-02-20','c1','k1','Team Nord','Ring arbejdsgiveren','anna','conference');
INSERT INTO "conferences" VALUES('south','2024-02-14','c4','k3',NULL,'Fortsätt','karin','conference');
CREATE TABLE consultants (
	consultant_id VARCHAR NOT NULL, 
	site VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	fte FLOAT, 
	start_date DATE, 
	PRIMARY KEY (consultant_id)
);
INSERT INTO "consultants" VALUES('k1','north','Anne Holm',1.0,'2023-01-02');
INSERT INTO "consultants" VALUES('k2','north','Bo Lund',0.8,'2023-03-01');
INSERT INTO "consultants" VALUES('k3','south','Sara Berg',1.0,'2023-02-01');
CREATE TABLE contacts (
	site VARCHAR NOT NULL, 
	candidate_id VARCHAR NOT NULL, 
	date DATE NOT NULL, 
	kind VARCHAR NOT NULL, 
	consultant_id VARCHAR
);
INSERT INTO "contacts" VALUES('north','c1','2024-01-15','meeting','k1');
INSERT INTO "contacts" VALUES('north','c1','2024-01-22','benefits_counselling','k1');
INSERT INTO "contacts" VALUES('north','c2','2024-02-20','meeting','k2');
INSERT INTO "contacts" VALUES('south','c4','2024-01-25','meeting','k3');
INSERT INTO "contacts" VALUES('south','c4','2024-02-05','interview',NULL);
CREATE TABLE employer_contacts (
	site VARCHAR NOT NULL, 
	consultant_id VARCHAR NOT NULL, 
	date DATE NOT NULL, 
	employer VARCHAR NOT NULL, 
	candidate_id VARCHAR, 
	face_to_face BOOLEAN
);
INSERT INTO "employer_contacts" VALUES('north','k1','2024-01-25','Netto','c1',1);
INSERT INTO "employer_contacts" VALUES('north','k2','2024-02-22','Bilka',NULL,1);
INSERT INTO "employer_contacts" VALUES('south','k3','2024-02-10','ICA','c4',0);
CREATE TABLE fidelity (
	site VARCHAR NOT NULL, 
	review_date DATE NOT NULL, 
	item INTEGER NOT NULL, 
	score INTEGER NOT NULL
);
INSERT INTO "fidelity" VALUES('north','2024-06-01',1,4);
INSERT INTO "fidelity" VALUES('north','2024-06-01',2,5);
INSERT INTO "fidelity" VALUES('south','2024-06-03',1,3);
CREATE TABLE goals (
	site VARCHAR NOT NULL, 
	candidate_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	set_date DATE NOT NULL, 
	status VARCHAR
);
INSERT INTO "goals" VALUES('north','c1','job','Lagerarbejde','2024-01-20','active');
INSERT INTO "goals" VALUES('north','c2','job','Butik','2024-02-25','achieved');
INSERT INTO "goals" VALUES('south','c4','education','Komvux','2024-02-01','active');
CREATE TABLE phases (
	site VARCHAR NOT NULL, 
	candidate_id VARCHAR NOT NULL, 
	phase VARCHAR NOT NULL, 
	from_date DATE NOT NULL
);
INSERT INTO "phases" VALUES('north','c1','referral','2024-01-10');
INSERT INTO "phases" VALUES('north','c1','job_search','2024-03-01');
INSERT INTO "phases" VALUES('north','c1','engagement','2024-01-15');
INSERT INTO "phases" VALUES('north','c2','engagement','2024-02-20');
INSERT INTO "phases" VALUES('north','c2','employed','2024-03-01');
INSERT INTO "phases" VALUES('north','c3','engagement','2024-03-05');
INSERT INTO "phases" VALUES('north','c3','discharged','2024-09-01');
INSERT INTO "phases" VALUES('north','c3','assessment','2024-03-20');
INSERT INTO "phases" VALUES('south','c4','engagement','2024-01-25');
INSERT INTO "phases" VALUES('south','c4','assessment','2024-02-10');
CREATE TABLE placements (
	site VARCHAR NOT NULL, 
	placement_id VARCHAR NOT NULL, 
	candidate_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	employer VARCHAR NOT NULL, 
	start_date DATE NOT NULL, 
	end_date DATE, 
	hours_per_week FLOAT, 
	end_reason VARCHAR, 
	PRIMARY KEY (placement_id)
);
INSERT INTO "placements" VALUES('north','p1','c2','job','Bilka','2024-03-01',NULL,15.0,NULL);
INSERT INTO "placements" VALUES('north','p2','c3','internship','Fakta','2024-04-01','2024-05-01',10.5,'ended');
CREATE TABLE pseudonym_key (
	slot INTEGER NOT NULL CHECK (slot = 1), 
	fingerprint VARCHAR(64) NOT NULL, 
	PRIMARY KEY (slot)
);
INSERT INTO "pseudonym_key" VALUES(1,'ded3964d8fe63422886793915fa87847abec5842dd6fc42fc382b795271a0597');
CREATE TABLE supervision (
	site VARCHAR NOT NULL, 
	date DATE NOT NULL, 
	supervisor VARCHAR NOT NULL, 
	consultants_present INTEGER, 
	clinicians_present INTEGER
);
INSERT INTO "supervision" VALUES('north','2024-02-07','Mette',2,1);
INSERT INTO "supervision" VALUES('south','2024-02-08','Karin',1,NULL);
CREATE INDEX ix_consultants_site ON consultants (site);
CREATE INDEX ix_clinicians_site ON clinicians (site);
CREATE INDEX ix_candidates_site ON candidates (site);
CREATE INDEX ix_phases_site ON phases (site);
CREATE INDEX ix_goals_site ON goals (site);
CREATE INDEX ix_actions_site ON actions (site);
CREATE INDEX ix_contacts_site ON contacts (site);
CREATE INDEX ix_employer_contacts_site ON employer_contacts (site);
CREATE INDEX ix_placements_site ON placements (site);
CREATE INDEX ix_fidelity_site ON fidelity (site);
CREATE INDEX ix_supervision_site ON supervision (site);
CREATE INDEX ix_conferences_site ON conferences (site);
CREATE INDEX ix_audit_site ON audit (site);
CREATE INDEX ix_audit_candidate_id ON audit (candidate_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
COMMIT;
