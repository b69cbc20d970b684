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
    done_date date
);


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
    team character varying
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
-- Data for Name: actions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.actions VALUES ('north', 'a1', 'c1', 'Ring til arbejdsgiver', 'consultant', '2024-02-01', '2024-01-20', NULL);
INSERT INTO public.actions VALUES ('north', 'a2', 'c2', 'Jobsamtale', 'candidate', '2024-03-01', '2024-02-25', '2024-02-28');
INSERT INTO public.actions VALUES ('south', 'a3', 'c4', 'Budget', 'clinician', '2024-02-15', '2024-02-01', NULL);


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

INSERT INTO public.conferences VALUES ('north', '2024-02-06', 'c1', 'k1', 'Team Nord');
INSERT INTO public.conferences VALUES ('north', '2024-02-13', NULL, NULL, 'Team Nord');
INSERT INTO public.conferences VALUES ('south', '2024-02-07', 'c4', 'k3', NULL);


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
-- Data for Name: placements; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.placements VALUES ('north', 'p1', 'c2', 'job', 'Bilka', '2024-03-01', NULL, 15, NULL);
INSERT INTO public.placements VALUES ('north', 'p2', 'c3', 'internship', 'Fakta', '2024-04-01', '2024-05-01', 10.5, 'ended');


--
-- Data for Name: supervision; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.supervision VALUES ('north', '2024-02-07', 'Mette', 2, 1);
INSERT INTO public.supervision VALUES ('south', '2024-02-08', 'Karin', 1, NULL);


--
-- Name: actions actions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.actions
    ADD CONSTRAINT actions_pkey PRIMARY KEY (action_id);


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
-- Name: ix_actions_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_actions_site ON public.actions USING btree (site);


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
-- Name: ix_placements_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_placements_site ON public.placements USING btree (site);


--
-- Name: ix_supervision_site; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_supervision_site ON public.supervision USING btree (site);


--
-- PostgreSQL database dump complete
--


