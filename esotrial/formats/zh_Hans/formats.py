# Django 5.2's zh_Hans input formats include "%Y年%n月%j日", which Python cannot parse ("%n" is no
# strptime directive, "%j" is the day of the year), so a date typed the Chinese way in an admin text
# widget was refused. ISO first: widgets show and send ISO 8601, as on every other page.
# Only what differs from Django's module is here; the rest (display formats) falls through to it.
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2026-09-05'
    "%Y/%m/%d",  # '2026/09/05'
    "%Y年%m月%d日",  # '2026年9月5日' (strptime's %m and %d take one digit too)
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # <input type="datetime-local">
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
]
