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
	PRIMARY KEY (action_id)
);
INSERT INTO "actions" VALUES('north','a1','c1','Ring til arbejdsgiver','consultant','2024-02-01','2024-01-20',NULL);
INSERT INTO "actions" VALUES('north','a2','c2','Jobsamtale','candidate','2024-03-01','2024-02-25','2024-02-28');
INSERT INTO "actions" VALUES('south','a3','c4','Budget','clinician','2024-02-15','2024-02-01',NULL);
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
	team VARCHAR
);
INSERT INTO "conferences" VALUES('north','2024-02-06','c1','k1','Team Nord');
INSERT INTO "conferences" VALUES('north','2024-02-13',NULL,NULL,'Team Nord');
INSERT INTO "conferences" VALUES('south','2024-02-07','c4','k3',NULL);
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
CREATE INDEX ix_goals_site ON goals (site);
CREATE INDEX ix_actions_site ON actions (site);
CREATE INDEX ix_contacts_site ON contacts (site);
CREATE INDEX ix_employer_contacts_site ON employer_contacts (site);
CREATE INDEX ix_placements_site ON placements (site);
CREATE INDEX ix_fidelity_site ON fidelity (site);
CREATE INDEX ix_supervision_site ON supervision (site);
CREATE INDEX ix_conferences_site ON conferences (site);
COMMIT;
