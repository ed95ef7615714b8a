"""ejournal: an event-sourced school journal."""
