-- The desk checks a guest in when they arrive (the console's visitors page): when, and who did ("operator:<id>",
-- as door alarm acknowledgements name their actor). The index serves a location's expected guests of a day.
ALTER TABLE visitors ADD COLUMN checked_in_at timestamptz;
ALTER TABLE visitors ADD COLUMN checked_in_by text;
CREATE INDEX visitors_location_day ON visitors (location_id, starts_at) WHERE cancelled_at IS NULL;
