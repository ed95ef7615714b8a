"""E-mail notifications to guardians (оповещения): a notifier that follows the log
as the views do. docs/notifications.md."""
