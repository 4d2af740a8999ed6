"""Outlook's enumerations in SIF calendar fields and the iCalendar values they stand for."""

EVENT_ROOT = "appointment"
TASK_ROOT = "task"
TEXTS = {"Subject": "SUMMARY", "Body": "DESCRIPTION", "Location": "LOCATION"}

PRIORITIES = {0: 9, 1: 5, 2: 1}  # Importance (low, normal, high) -> PRIORITY
CLASSES = {0: "PUBLIC", 1: "PRIVATE", 2: "PRIVATE", 3: "CONFIDENTIAL"}  # Sensitivity (1 is "personal")
SENSITIVITIES = {"PUBLIC": "0", "PRIVATE": "2", "CONFIDENTIAL": "3"}
BUSY = ("FREE", "TENTATIVE", "BUSY", "OOF")  # BusyStatus 0-3 as X-MICROSOFT-CDO-BUSYSTATUS
TASK_STATUSES = {0: "NEEDS-ACTION", 1: "IN-PROCESS", 2: "COMPLETED", 3: "NEEDS-ACTION", 4: "NEEDS-ACTION"}
SIF_TASK_STATUSES = {"NEEDS-ACTION": "0", "IN-PROCESS": "1", "COMPLETED": "2", "CANCELLED": "4"}
# OlResponseStatus and OlMeetingRecipientType <-> PARTSTAT and ROLE
PARTSTATS = {0: "NEEDS-ACTION", 1: "ACCEPTED", 2: "TENTATIVE", 3: "ACCEPTED", 4: "DECLINED", 5: "NEEDS-ACTION"}
SIF_PARTSTATS = {"NEEDS-ACTION": "5", "ACCEPTED": "3", "TENTATIVE": "2", "DECLINED": "4"}
ROLES = {0: "CHAIR", 1: "REQ-PARTICIPANT", 2: "OPT-PARTICIPANT", 3: "NON-PARTICIPANT"}
SIF_ROLES = {role: str(value) for value, role in ROLES.items()}
