CREATE TABLE `revoked_tokens` (
	`hash` text PRIMARY KEY NOT NULL,
	`revoked_at` text NOT NULL
);
