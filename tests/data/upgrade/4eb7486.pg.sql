--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: ips_nb_audit_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ips_nb_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'the audit is append-only'; END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: actions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.actions (
    site character varying NOT NULL,
    action_id character varying NOT NULL,
    candidate_id character varying NOT NULL,
    description character varying NOT NULL,
    owner character varying NOT NULL,
    due_date date NOT NULL,
    created_date date,
    done_date date,
    origin character varying DEFAULT 'source'::character varying NOT NULL
);


--
-- Name: audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit (
    id integer NOT NULL,
    at timestamp without time zone NOT NULL,
    "user" character varying NOT NULL,
    site character varying NOT NULL,
    "table" character varying NOT NULL,
    row_key character varying NOT NULL,
    candidate_id character varying,
    action character varying NOT NULL,
    before text,
    after text
);


--
-- Name: audit_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_id_seq OWNED BY public.audit.id;


--
-- Name: candidates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.candidates (
    candidate_id character varying NOT NULL,
    site character varying NOT NULL,
    referral_date date NOT NULL,
    cpr_hash character varying,
    initials character varying,
    gender character varying,
    birth_year integer,
    municipality character varying,
    consultant_id character varying,
    clinician_id character varying,
    consent_date date,
    intake_date date,
    phase character varying,
    discharge_date date,
    discharge_reason character varying
);


--
-- Name: clinicians; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.clinicians (
    clinician_id character varying NOT NULL,
    site character varying NOT NULL,
    name character varying NOT NULL,
    team character varying
);


--
-- Name: conferences; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.conferences (
    site character varying NOT NULL,
    date date NOT NULL,
    candidate_id character varying,
    consultant_id character varying,
    team character varying,
    decision character varying,
    recorded_by character varying,
    origin character varying DEFAULT 'source'::character varying NOT NULL
);


--
-- Name: consultants; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.consultants (
    consultant_id character varying NOT NULL,
    site character varying NOT NULL,
    name character varying NOT NULL,
    fte double precision,
    start_date date
);


--
-- Name: contacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.contacts (
    site character varying NOT NULL,
    candidate_id character varying NOT NULL,
    date date NOT NULL,
    kind character varying NOT NULL,
    consultant_id character varying
);


--
-- Name: employer_contacts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.employer_contacts (
    site character varying NOT NULL,
    consultant_id character varying NOT NULL,
    date date NOT NULL,
    employer character varying NOT NULL,
    candidate_id character varying,
    face_to_face boolean
);


--
-- Name: fidelity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.fidelity (
    site character varying NOT NULL,
    review_date date NOT NULL,
    item integer NOT NULL,
    score integer NOT NULL
);


--
-- Name: goals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.goals (
    site character varying NOT NULL,
    candidate_id character varying NOT NULL,
    kind character varying NOT NULL,
    description character varying NOT NULL,
    set_date date NOT NULL,
    status character varying
);


--
-- Name: phases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.phases (
    site character varying NOT NULL,
    candidate_id character varying NOT NULL,
    phase character varying NOT NULL,
    from_date date NOT NULL
);


--
-- Name: placements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.placements (
    site character varying NOT NULL,
    placement_id character varying NOT NULL,
    candidate_id character varying NOT NULL,
    kind character varying NOT NULL,
    employer character varying NOT NULL,
    start_date date NOT NULL,
    end_date date,
    hours_per_week double precision,
    end_reason character varying
);


--
-- Name: pseudonym_key; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pseudonym_key (
    slot integer NOT NULL,
    fingerprint character varying(64) NOT NULL,
    CONSTRAINT pseudonym_key_slot_check CHECK ((slot = 1))
);


--
-- Name: pseudonym_key_slot_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.pseudonym_key_slot_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: pseudonym_key_slot_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.pseudonym_key_slot_seq OWNED BY public.pseudonym_key.slot;


--
-- Name: supervision; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.supervision (
    site character varying NOT NULL,
    date date NOT NULL,
    supervisor character varying NOT NULL,
    consultants_present integer,
    clinicians_present integer
);


--
-- Name: audit id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit ALTER COLUMN id SET DEFAULT nextval('public.audit_id_seq'::regclass);


--
-- Name: pseudonym_key slot; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pseudonym_key ALTER COLUMN slot SET DEFAULT nextval('public.pseudonym_key_slot_seq'::regclass);


--
-- Data for Name: actions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.actions VALUES ('north', 'a1', 'c1', 'Ring til arbejdsgiver', 'consultant', '2024-02-01', '2024-01-20', NULL, 'source');
INSERT INTO public.actions VALUES ('north', 'a2', 'c2', 'Jobsamtale', 'candidate', '2024-03-01', '2024-02-25', '2024-02-28', 'source');
INSERT INTO public.actions VALUES ('south', 'a3', 'c4', 'Budget', 'clinician', '2024-02-15', '2024-02-01', NULL, 'source');
INSERT INTO public.actions VALUES ('north', 'conf-dce18f4a2842', 'c1', 'Book møde med Netto', 'consultant', '2024-03-01', '2024-02-20', '2024-02-27', 'conference');


--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit VALUES (1, '2026-12-03 18:49:11.851095', 'anna', 'north', 'conferences', '2024-02-20/c1', 'c1', 'insert', NULL, '{"candidate_id": "c1", "consultant_id": "k1", "date": "2024-02-20", "decision": "Ring arbejdsgiveren", "origin": "conference", "recorded_by": "anna", "site": "north", "team": "Team Nord"}');
INSERT INTO public.audit VALUES (2, '2026-12-03 18:49:11.876607', 'anna', 'north', 'actions', 'conf-dce18f4a2842', 'c1', 'insert', NULL, '{"action_id": "conf-dce18f4a2842", "candidate_id": "c1", "created_date": "2024-02-20", "description": "Book møde med Netto", "done_date": null, "due_date": "2024-03-01", "origin": "conference", "owner": "consultant", "site": "north"}');
INSERT INTO public.audit VALUES (3, '2026-12-03 18:49:11.902002', 'bo', 'north', 'actions', 'conf-dce18f4a2842', 'c1', 'update', '{"action_id": "conf-dce18f4a2842", "candidate_id": "c1", "created_date": "2024-02-20", "description": "Book møde med Netto", "done_date": null, "due_date": "2024-03-01", "origin": "conference", "owner": "consultant", "site": "north"}', '{"action_id": "conf-dce18f4a2842", "candidate_id": "c1", "created_date": "2024-02-20", "description": "Book møde med Netto", "done_date": "2024-02-27", "due_date": "2024-03-01", "origin": "conference", "owner": "consultant", "site": "north"}');
INSERT INTO public.audit VALUES (4, '2026-12-03 18:49:11.959426', 'karin', 'south', 'conferences', '2024-02-14/c4', 'c4', 'insert', NULL, '{"candidate_id": "c4", "consultant_id": "k3", "date": "2024-02-14", "decision": "Fortsätt", "origin": "conference", "recorded_by": "karin", "site": "south", "team": null}');


--
-- Data for Name: candidates; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.candidates VALUES ('c1', 'north', '2024-01-10', 'dfa1214dbf659f5157c6b5f2b601fbc15a8e5b088ee3e99ab42ef22fadb00054', 'AH', 'female', 1990, 'Aarhus', 'k1', 'b1', '2024-01-12', '2024-01-15', 'job_search', NULL, NULL);
INSERT INTO public.candidates VALUES ('c2', 'north', '2024-02-15', 'fc5b070c95a23c69eb5dabb9788176fd545894f5e0368ada4fd31820680f0dc4', 'BL', 'female', 1985, 'Århus', 'k2', 'b1', '2024-02-16', '2024-02-20', 'employed', NULL, NULL);
INSERT INTO public.candidates VALUES ('c3', 'north', '2024-03-01', NULL, 'CD', 'male', 1990, 'Skanderborg', 'k1', NULL, '2024-03-02', '2024-03-05', 'discharged', '2024-09-01', 'moved');
INSERT INTO public.candidates VALUES ('c4', 'south', '2024-01-20', '32999fbc0b7b8c84944335cd6613936a184a66da4c28c318f18f5c2023ef1f04', 'EF', 'female', 1990, 'Jönköping', 'k3', 'b2', '2024-01-21', '2024-01-25', 'assessment', NULL, NULL);
INSERT INTO public.candidates VALUES ('c5', 'south', '2024-02-01', '91f7e9fc65a9b1b8006a308121ef7abdc3c359e512d38988bd8fd2dfb3b8ba8e', 'GH', 'male', 1985, 'Växjö', 'k3', NULL, NULL, NULL, 'referral', NULL, NULL);


--
-- Data for Name: clinicians; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.clinicians VALUES ('b1', 'north', 'Lise Dahl', 'Team Nord');
INSERT INTO public.clinicians VALUES ('b2', 'south', 'Erik Ek', 'Team Norr');


--
-- Data for Name: conferences; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.conferences VALUES ('north', '2024-02-06', 'c1', 'k1', 'Team Nord', NULL, NULL, 'source');
INSERT INTO public.conferences VALUES ('north', '2024-02-13', NULL, NULL, 'Team Nord', NULL, NULL, 'source');
INSERT INTO public.conferences VALUES ('south', '2024-02-07', 'c4', 'k3', NULL, NULL, NULL, 'source');
INSERT INTO public.conferences VALUES ('north', '2024-02-20', 'c1', 'k1', 'Team Nord', 'Ring arbejdsgiveren', 'anna', 'conference');
INSERT INTO public.conferences VALUES ('south', '2024-02-14', 'c4', 'k3', NULL, 'Fortsätt', 'karin', 'conference');


--
-- Data for Name: consultants; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.consultants VALUES ('k1', 'north', 'Anne Holm', 1, '2023-01-02');
INSERT INTO public.consultants VALUES ('k2', 'north', 'Bo Lund', 0.8, '2023-03-01');
INSERT INTO public.consultants VALUES ('k3', 'south', 'Sara Berg', 1, '2023-02-01');


--
-- Data for Name: contacts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.contacts VALUES ('north', 'c1', '2024-01-15', 'meeting', 'k1');
INSERT INTO public.contacts VALUES ('north', 'c1', '2024-01-22', 'benefits_counselling', 'k1');
INSERT INTO public.contacts VALUES ('north', 'c2', '2024-02-20', 'meeting', 'k2');
INSERT INTO public.contacts VALUES ('south', 'c4', '2024-01-25', 'meeting', 'k3');
INSERT INTO public.contacts VALUES ('south', 'c4', '2024-02-05', 'interview', NULL);


--
-- Data for Name: employer_contacts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.employer_contacts VALUES ('north', 'k1', '2024-01-25', 'Netto', 'c1', true);
INSERT INTO public.employer_contacts VALUES ('north', 'k2', '2024-02-22', 'Bilka', NULL, true);
INSERT INTO public.employer_contacts VALUES ('south', 'k3', '2024-02-10', 'ICA', 'c4', false);


--
-- Data for Name: fidelity; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.fidelity VALUES ('north', '2024-06-01', 1, 4);
INSERT INTO public.fidelity VALUES ('north', '2024-06-01', 2, 5);
INSERT INTO public.fidelity VALUES ('south', '2024-06-03', 1, 3);


--
-- Data for Name: goals; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.goals VALUES ('north', 'c1', 'job', 'Lagerarbejde', '2024-01-20', 'active');
INSERT INTO public.goals VALUES ('north', 'c2', 'job', 'Butik', '2024-02-25', 'achieved');
INSERT INTO public.goals VALUES ('south', 'c4', 'education', 'Komvux', '2024-02-01', 'active');


--
-- Data for Name: phases; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.phases VALUES ('north', 'c1', 'referral', '2024-01-10');
INSERT INTO public.phases VALUES ('north', 'c1', 'job_search', '2024-03-01');
INSERT INTO public.phases VALUES ('north', 'c1', 'engagement', '2024-01-15');
INSERT INTO public.phases VALUES ('north', 'c2', 'engagement', '2024-02-20');
INSERT INTO public.phases VALUES ('north', 'c2', 'employed', '2024-03-01');
INSERT INTO public.phases VALUES ('north', 'c3', 'engagement', '2024-03-05');
INSERT INTO public.phases VALUES ('north', 'c3', 'discharged', '2024-09-01');
INSERT INTO public.phases VALUES ('north', 'c3', 'assessment', '2024-03-20');
INSERT INTO public.phases VALUES ('south', 'c4', 'engagement', '2024-01-25');
INSERT INTO public.phases VALUES ('south', 'c4', 'assessment', '2024-02-10');


--
-- Data for Name: placements; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.placements VALUES ('north', 'p1', 'c2', 'job', 'Bilka', '2024-03-01', NULL, 15, NULL);
INSERT INTO public.placements VALUES ('north', 'p2', 'c3', 'internship', 'Fakta', '2024-04-01', '2024-05-01', 10.5, 'ended');


--
-- Data for Name: pseudonym_key; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.pseudonym_key VALUES (1, 'ded3964d8fe63422886793915fa87847abec5842dd6fc42fc382b795271a0597');


--
-- Data for Name: supervision; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.supervision VALUES ('north', '2024-02-07', 'Mette', 2, 1);
INSERT INTO public.supervision VALUES ('south', '2024-02-08', 'Karin', 1, NULL);


--
-- Name: audit_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_id_seq', 4, true);


--
-- Name: pseudonym_key_slot_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.pseudonym_key_slot_seq', 1, false);


--
-- Name: actions actions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.actions
    ADD CONSTRAINT actions_pkey PRIMARY KEY (action_id);


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (id);


--
-- Name: candidates candidates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.candidates
    ADD CONSTRAINT candidates_pkey PRIMARY KEY (candidate_id);


--
-- Name: clinicians clinicians_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.clinicians
    ADD CONSTRAINT clinicians_pkey PRIMARY KEY (clinician_id);


--
-- Name: consultants consultants_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.consultants
    ADD CONSTRAINT consultants_pkey PRIMARY KEY (consultant_id);


--
-- Name: placements placements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.placements
    ADD CONSTRAINT placements_pkey PRIMARY KEY (placement_id);


--
-- Name: pseudonym_key pseudonym_key_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pseudonym_key
    ADD CONSTRAINT pseudonym_key_pkey PRIMARY KEY (slot);


--
-- Name: ix_actions_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_actions_site ON public.actions USING btree (site);


--
-- Name: ix_audit_candidate_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_candidate_id ON public.audit USING btree (candidate_id);


--
-- Name: ix_audit_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_site ON public.audit USING btree (site);


--
-- Name: ix_candidates_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_candidates_site ON public.candidates USING btree (site);


--
-- Name: ix_clinicians_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_clinicians_site ON public.clinicians USING btree (site);


--
-- Name: ix_conferences_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_conferences_site ON public.conferences USING btree (site);


--
-- Name: ix_consultants_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_consultants_site ON public.consultants USING btree (site);


--
-- Name: ix_contacts_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_contacts_site ON public.contacts USING btree (site);


--
-- Name: ix_employer_contacts_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_employer_contacts_site ON public.employer_contacts USING btree (site);


--
-- Name: ix_fidelity_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_fidelity_site ON public.fidelity USING btree (site);


--
-- Name: ix_goals_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_goals_site ON public.goals USING btree (site);


--
-- Name: ix_phases_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_phases_site ON public.phases USING btree (site);


--
-- Name: ix_placements_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_placements_site ON public.placements USING btree (site);


--
-- Name: ix_supervision_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_supervision_site ON public.supervision USING btree (site);


--
-- Name: audit audit_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_append_only BEFORE DELETE OR UPDATE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.ips_nb_audit_append_only();


--
-- Name: audit audit_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON public.audit FOR EACH STATEMENT EXECUTE FUNCTION public.ips_nb_audit_append_only();


--
-- PostgreSQL database dump complete
--


