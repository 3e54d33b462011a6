-- A user created without `active` had none in its SCIM resource before this version, while its directory record
-- says active (a new user without it is active): `active eq true` missed it and clients reading `active` found
-- nothing. The resource now says what the record says (true unless the record says otherwise), with a new version.
UPDATE `scim_users` SET `active` = coalesce((SELECT `active` FROM `directory_users` WHERE `scim_id` = `scim_users`.`id`), 1)
WHERE json_type(`data`, '$.active') IS NULL;
--> statement-breakpoint
UPDATE `scim_users` SET `data` = json_set(`data`, '$.active', json(CASE `active` WHEN 0 THEN 'false' ELSE 'true' END)), `version` = `version` + 1
WHERE json_type(`data`, '$.active') IS NULL;
