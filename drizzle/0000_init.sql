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
CREATE TABLE `group_members` (
	`group_id` text NOT NULL,
	`member_id` text NOT NULL,
	`member_type` text NOT NULL,
	PRIMARY KEY(`group_id`, `member_id`),
	FOREIGN KEY (`group_id`) REFERENCES `scim_groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_members_member_idx` ON `group_members` (`member_id`);--> statement-breakpoint
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
CREATE INDEX `scim_users_created_idx` ON `scim_users` (`created`);--> statement-breakpoint
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
CREATE INDEX `user_emails_user_idx` ON `user_emails` (`user_id`);