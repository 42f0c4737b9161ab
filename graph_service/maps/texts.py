"""Every text the maps generate, in French and Arabic, in one place.

A map answers in the language of the page that shows it (the session's choice, as on the
pages), so legends, tooltips, titles and popups read in that language; names stay as the
data gives them (Arabic names where the annuaire has them). Keeping the texts here as
one table, rather than spread over the builders, lets the pages' message catalogue take
them over in one move, and lets a test check that every key has both languages.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["LANGS", "TEXTS", "MapLang", "km", "text"]

MapLang = Literal["fr", "ar"]
LANGS: tuple[MapLang, ...] = ("fr", "ar")

TEXTS: dict[str, dict[MapLang, str]] = {
    # what every map shares
    "legend": {"fr": "Légende", "ar": "مفتاح الخريطة"},
    "provinces": {"fr": "Provinces", "ar": "الأقاليم"},
    "communes": {"fr": "Communes", "ar": "الجماعات"},
    "province_outlines": {"fr": "Limites des provinces", "ar": "حدود الأقاليم"},
    "base_tiles": {"fr": "Fond de carte", "ar": "خلفية الخريطة"},
    # the annuaire
    "annuaire_title": {"fr": "Annuaire des acteurs de la protection de l'enfance",
                       "ar": "دليل الفاعلين في مجال حماية الطفولة"},
    "sectors": {"fr": "Secteurs", "ar": "القطاعات"},
    "confidential_note": {"fr": "Lieux confidentiels : au centre de leur commune, sans adresse.",
                          "ar": "الأماكن السرية: في مركز جماعتها، بدون عنوان."},
    # popups
    "confidential_place": {"fr": "Lieu confidentiel — commune de {commune}",
                           "ar": "مكان سري — جماعة {commune}"},
    "address_missing": {"fr": "adresse non renseignée", "ar": "العنوان غير متوفر"},
    "province_seat": {"fr": "Province : {province} (pas de site renseigné)",
                      "ar": "الإقليم: {province} (لا يوجد موقع مسجل)"},
    "always_open": {"fr": "24h/24, 7j/7", "ar": "24/24 ساعة، 7/7 أيام"},
    "hours_missing": {"fr": "horaires non renseignés", "ar": "المواقيت غير متوفرة"},
    "stages_of": {"fr": "Étapes : {stages}", "ar": "المراحل: {stages}"},
    "phone_missing": {"fr": "Téléphone : non renseigné — à défaut :",
                      "ar": "الهاتف: غير متوفر — بدلا من ذلك:"},
    # coverage gaps
    "in_commune": {"fr": "dans la commune", "ar": "داخل الجماعة"},
    "up_to_10": {"fr": "jusqu'à 10 km", "ar": "إلى غاية 10 كلم"},
    "10_to_30": {"fr": "10 à 30 km", "ar": "من 10 إلى 30 كلم"},
    "30_to_60": {"fr": "30 à 60 km", "ar": "من 30 إلى 60 كلم"},
    "over_60": {"fr": "plus de 60 km", "ar": "أكثر من 60 كلم"},
    "under_1000": {"fr": "moins de 1 000 enfants", "ar": "أقل من 1000 طفل"},
    "1000_to_5000": {"fr": "1 000 à 5 000", "ar": "من 1000 إلى 5000"},
    "5000_to_20000": {"fr": "5 000 à 20 000", "ar": "من 5000 إلى 20000"},
    "over_20000": {"fr": "plus de 20 000", "ar": "أكثر من 20000"},
    "near": {"fr": "à {km} km ou moins", "ar": "على بعد {km} كلم أو أقل"},
    "nowhere": {"fr": "aucun prestataire pour la commune (ou aucune autorité compétente)",
                "ar": "لا يوجد مقدم خدمة للجماعة (أو لا توجد سلطة مختصة)"},
    "nearest_distance": {"fr": "Distance au prestataire le plus proche",
                         "ar": "المسافة إلى أقرب مقدم خدمة"},
    "children_beyond": {"fr": "Enfants à plus de {km} km",
                        "ar": "الأطفال على بعد أكثر من {km} كلم"},
    "children_beyond_n": {"fr": "Enfants à plus de {km} km : {n}",
                          "ar": "الأطفال على بعد أكثر من {km} كلم: {n}"},
    "communes_of": {"fr": "Communes — {stage}", "ar": "الجماعات — {stage}"},
    "commune": {"fr": "Commune", "ar": "الجماعة"},
    "children_0_17": {"fr": "Enfants (0–17 ans)", "ar": "الأطفال (0–17 سنة)"},
    "nearest_provider": {"fr": "Prestataire le plus proche", "ar": "أقرب مقدم خدمة"},
    "distance_km": {"fr": "Distance (km)", "ar": "المسافة (كلم)"},
    "none": {"fr": "aucun", "ar": "لا يوجد"},
    "providers_of": {"fr": "Prestataires : {filters}. ", "ar": "مقدمو الخدمات: {filters}. "},
    "active_providers": {"fr": "Prestataires actifs. ", "ar": "مقدمو الخدمات النشطون. "},
    # an orientation route
    "route_title": {"fr": "Orientation — depuis {place}", "ar": "التوجيه — انطلاقا من {place}"},
    "route_steps": {"fr": "Étapes du parcours", "ar": "مراحل المسار"},
    "route": {"fr": "Parcours", "ar": "المسار"},
    "steps": {"fr": "Étapes", "ar": "المراحل"},
    "child_place": {"fr": "Lieu de l'enfant", "ar": "مكان الطفل"},
    "child_place_of": {"fr": "Lieu de l'enfant : {place}", "ar": "مكان الطفل: {place}"},
    "alternative": {"fr": "Autre possibilité — ", "ar": "إمكانية أخرى — "},
    "alternatives": {"fr": "Autres possibilités ({n})", "ar": "إمكانيات أخرى ({n})"},
    "no_known_link": {"fr": "sans lien d'orientation connu", "ar": "بدون رابط توجيه معروف"},
    "usual_delay": {"fr": "{how}, délai habituel {hours} h",
                    "ar": "{how}، المدة المعتادة {hours} س"},
    "to_step": {"fr": "Vers l'étape {n} ({stage}) : {how}",
                "ar": "نحو المرحلة {n} ({stage}): {how}"},
    "every_stage_served": {"fr": "Chaque étape a un prestataire dans la province.",
                           "ar": "لكل مرحلة مقدم خدمة في الإقليم."},
    "nearest_at": {"fr": " (le plus proche à {km})", "ar": " (الأقرب على بعد {km})"},
    "unserved_stages": {"fr": "Sans prestataire dans la province {province} : {stages}.",
                        "ar": "بدون مقدم خدمة في إقليم {province}: {stages}."},
    "km": {"fr": "{km} km", "ar": "{km} كلم"},
}


def text(key: str, lang: MapLang, **values: object) -> str:
    """The text ``key`` in ``lang``, with ``values`` put in (plain text: escape it for HTML)."""
    return TEXTS[key][lang].format(**values)


def km(value: float | None, lang: MapLang) -> str:
    """A distance as the page's language writes it: « 12,5 km », « 12,5 كلم »; « — » unknown."""
    return "—" if value is None else text("km", lang, km=f"{value:.1f}".replace(".", ","))
