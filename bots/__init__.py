"""Chat-bot front ends (Telegram, WeChat Official Account): they call the answer service and only render."""
