"""Reading SIF documents in tests, independently of the converter's own reader."""

from icalendar import Calendar, Component
from lxml import etree

SAFE_XML = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)

Field = str | tuple[tuple[str, "Field"], ...]


def sif_fields(document: bytes) -> dict[str, Field]:
    """The root's children: text, or (tag, value) pairs for children with children; the first of repeats."""
    root = etree.fromstring(document, SAFE_XML)
    fields: dict[str, Field] = {}
    for child in root:
        fields.setdefault(child.tag, _value(child))
    return fields


def sif_root(document: bytes) -> str:
    return str(etree.fromstring(document, SAFE_XML).tag)


def _value(element: etree._Element) -> Field:
    children = tuple((str(child.tag), _value(child)) for child in element)
    if children:
        return children
    return (element.text or "").replace("\r\n", "\n").replace("\r", "\n")


def sif_document(root: str, fields: dict[str, str]) -> bytes:
    """A SIF document with these simple fields (escaped by lxml)."""
    element = etree.Element(root)
    etree.SubElement(element, "SIFVersion").text = "1.1"
    for name, value in fields.items():
        etree.SubElement(element, name).text = value
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def only_component(stored: bytes, name: str) -> Component:
    """The single VEVENT / VTODO / VJOURNAL of a stored iCalendar object."""
    components = Calendar.from_ical(stored).walk(name)
    assert len(components) == 1
    return components[0]
