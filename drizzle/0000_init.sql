CREATE TABLE `directory_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scim_id` text,
	`username` text NOT NULL,
	`username_folded` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`description` text,
	`profession` text,
	`email` text,
	`first_name` text,
	`last_name` text,
	`phone` text,
	`mobile` text,
	`employee_code` text,
	`department` text,
	`company` text,
	`site` text,
	`deleted` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`scim_id`) REFERENCES `scim_users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directory_users_username_folded_unique` ON `directory_users` (`username_folded`);--> statement-breakpoint
CREATE UNIQUE INDEX `directory_users_scim_id_unique` ON `directory_users` (`scim_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`time` text NOT NULL,
	`type` text NOT NULL,
	`token` text,
	`request_id` text,
	`resource_type` text,
	`resource_id` text,
	`name` text,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `events_time_idx` ON `events` (`time`);--> statement-breakpoint
CREATE TABLE `group_members` (
	`group_id` text NOT NULL,
	`member_id` text NOT NULL,
	`member_type` text NOT NULL,
	PRIMARY KEY(`group_id`, `member_id`),
	FOREIGN KEY (`group_id`) REFERENCES `scim_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_members_member_idx` ON `group_members` (`member_id`);--> statement-breakpoint
CREATE TABLE `request_failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`time` text NOT NULL,
	`token` text,
	`request_id` text,
	`method` text NOT NULL,
	`path` text NOT NULL,
	`status` integer NOT NULL,
	`scim_type` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `request_failures_time_idx` ON `request_failures` (`time`);--> statement-breakpoint
CREATE TABLE `scim_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`display_name_folded` text NOT NULL,
	`external_id` text,
	`data` text NOT NULL,
	`version` integer NOT NULL,
	`created` text NOT NULL,
	`last_modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_groups_display_name_folded_unique` ON `scim_groups` (`display_name_folded`);--> statement-breakpoint
CREATE INDEX `scim_groups_external_id_idx` ON `scim_groups` (`external_id`);--> statement-breakpoint
CREATE TABLE `scim_users` (
	`id` text PRIMARY KEY NOT NULL,
	`user_name` text NOT NULL,
	`user_name_folded` text NOT NULL,
	`external_id` text,
	`display_name` text,
	`active` integer,
	`data` text NOT NULL,
	`version` integer NOT NULL,
	`created` text NOT NULL,
	`last_modified` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scim_users_user_name_folded_unique` ON `scim_users` (`user_name_folded`);--> statement-breakpoint
CREATE INDEX `scim_users_external_id_idx` ON `scim_users` (`external_id`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`hash` text NOT NULL,
	`scope` text DEFAULT 'scim' NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`expires_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_name_unique` ON `tokens` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_hash_unique` ON `tokens` (`hash`);--> statement-breakpoint
CREATE TABLE `user_emails` (
	`user_id` text NOT NULL,
	`value_folded` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `scim_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_emails_value_idx` ON `user_emails` (`value_folded`);--> statement-breakpoint
CREATE INDEX `user_emails_user_idx` ON `user_emails` (`user_id`);--> statement-breakpoint
CREATE TABLE `webhook_cursors` (
	`endpoint` text PRIMARY KEY NOT NULL,
	`last_seq` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`last_error` text
);
--> statement-breakpoint
CREATE TABLE `webhook_dead` (
	`endpoint` text NOT NULL,
	`seq` integer NOT NULL,
	`attempts` integer NOT NULL,
	`last_error` text,
	`parked_at` text NOT NULL,
	PRIMARY KEY(`endpoint`, `seq`)
);
