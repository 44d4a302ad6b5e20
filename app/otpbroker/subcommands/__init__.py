"""One module per ``otp-broker`` subcommand."""
