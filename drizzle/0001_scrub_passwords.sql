-- A password sent by PATCH was stored in the user's JSON (and returned to readers) before this version; POST
-- and PUT always dropped it. Remove any such value: scimd never keeps passwords (RFC 7643 §4.1.1).
UPDATE `scim_users` SET `data` = json_remove(`data`, '$.password') WHERE json_type(`data`, '$.password') IS NOT NULL;
