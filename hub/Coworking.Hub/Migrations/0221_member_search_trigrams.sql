-- The console's member search matches part of a name, e-mail address or company in any case (ILIKE '%text%'):
-- trigrams let that read an index instead of every member of the organisation.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX members_search ON members USING gin (name gin_trgm_ops, email gin_trgm_ops, company gin_trgm_ops);
