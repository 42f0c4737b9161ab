"""Controlled vocabularies of the annuaire, with French and Arabic labels.

Every code a person or a file can give is checked against these tables, so that
a typo in a CSV or a form is refused with the field named instead of silently
creating a new category nobody searches for. The order of ``STAGES`` *is* the
circuit de prise en charge (engagement-13 sheet, PPIPEM guide).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from .errors import FieldError


@dataclass(frozen=True, slots=True)
class Term:
    """One code of a vocabulary, with the labels shown to people."""

    code: str
    fr: str
    ar: str


def _vocab(*terms: tuple[str, str, str]) -> dict[str, Term]:
    return {code: Term(code, fr, ar) for code, fr, ar in terms}


STAGES = _vocab(
    ("detection", "Détection et signalement", "الرصد والتبليغ"),
    ("urgence", "Assistance immédiate (urgence médicale ou sociale)", "المساعدة الفورية في حالة الاستعجال"),
    ("signalement", "Signalement aux autorités judiciaires", "التبليغ لدى السلطات القضائية"),
    ("evaluation", "Diagnostic et évaluation de la situation", "التشخيص وتقييم الوضعية"),
    ("prise_en_charge", "Accompagnement et prise en charge", "المواكبة والتكفل"),
    ("reinsertion", "Réinsertion et réintégration", "إعادة الإدماج"),
    ("suivi", "Suivi et évaluation de la situation de l'enfant", "التتبع وتقييم وضعية الطفل"),
)
STAGE_ORDER: tuple[str, ...] = tuple(STAGES)

SITUATIONS = _vocab(
    ("violence_sexuelle", "Violence sexuelle", "العنف الجنسي"),
    ("violence_physique", "Violence physique", "العنف الجسدي"),
    ("violence_psychologique", "Violence psychologique", "العنف النفسي"),
    ("negligence", "Négligence", "الإهمال"),
    ("exploitation_economique", "Exploitation économique (travail des enfants)", "الاستغلال الاقتصادي"),
    ("traite", "Traite des êtres humains", "الاتجار بالبشر"),
    ("mariage_precoce", "Mariage d'enfant", "تزويج الطفل"),
    ("violence_en_ligne", "Violence en ligne", "العنف عبر الإنترنت"),
    ("enfant_en_situation_de_rue", "Enfant en situation de rue", "طفل في وضعية الشارع"),
    ("migrant_non_accompagne", "Enfant migrant non accompagné", "طفل مهاجر غير مصحوب"),
    ("conflit_avec_la_loi", "Enfant en conflit avec la loi", "طفل في نزاع مع القانون"),
    ("privation_milieu_familial", "Enfant privé de milieu familial", "طفل محروم من الوسط العائلي"),
    ("handicap", "Enfant en situation de handicap", "طفل في وضعية إعاقة"),
    ("abandon_scolaire", "Abandon scolaire", "الهدر المدرسي"),
    ("absence_etat_civil", "Absence d'état civil", "عدم التسجيل في الحالة المدنية"),
    ("mendicite", "Exploitation dans la mendicité", "الاستغلال في التسول"),
    ("addiction", "Addiction (drogues, solvants)", "الإدمان"),
)

SERVICE_TYPES = _vocab(
    ("ecoute_orientation", "Écoute, accueil et orientation", "الإنصات والاستقبال والتوجيه"),
    ("detection_signalement", "Détection et signalement", "الرصد والتبليغ"),
    ("soins_urgence", "Soins d'urgence et unité d'accueil hospitalière", "العلاجات المستعجلة"),
    ("expertise_medico_legale", "Certificat médical et expertise médico-légale", "الشهادة الطبية والخبرة الطبية الشرعية"),
    ("soutien_psychologique", "Soutien psychologique", "الدعم النفسي"),
    ("plainte_enquete", "Réception des plaintes et enquête", "تلقي الشكايات والبحث"),
    ("parquet_mineurs", "Parquet — protection des mineurs", "النيابة العامة — حماية الأحداث"),
    ("juge_des_mineurs", "Juge des mineurs et mesures de protection", "قاضي الأحداث وتدابير الحماية"),
    ("assistance_sociale_judiciaire", "Assistance sociale auprès des juridictions", "المساعدة الاجتماعية بالمحاكم"),
    ("aide_juridique", "Aide et accompagnement juridique", "المساعدة والمواكبة القانونية"),
    ("evaluation_sociale", "Évaluation sociale de l'enfant et de la famille", "التقييم الاجتماعي للطفل والأسرة"),
    ("accompagnement_social", "Accompagnement social et suivi de cas", "المواكبة الاجتماعية وتتبع الحالة"),
    ("hebergement", "Hébergement et protection sociale", "الإيواء والرعاية الاجتماعية"),
    ("liberte_surveillee", "Liberté surveillée et centres de sauvegarde", "الحرية المحروسة ومراكز الحماية"),
    ("education_formation", "Éducation, réinsertion scolaire et formation", "التربية والإدماج المدرسي والتكوين"),
    ("activites_socio_educatives", "Activités socio-éducatives, sport et loisirs", "الأنشطة السوسيو-تربوية والرياضة"),
    ("prevention_sensibilisation", "Prévention et sensibilisation", "الوقاية والتحسيس"),
    ("soutien_familial", "Soutien aux familles", "دعم الأسر"),
    ("etat_civil", "Inscription à l'état civil", "التسجيل في الحالة المدنية"),
    ("readaptation_handicap", "Réadaptation et prise en charge du handicap", "إعادة التأهيل والتكفل بالإعاقة"),
    ("coordination", "Coordination territoriale (CPPE, CAPE, réseau)", "التنسيق الترابي"),
    ("renforcement_capacites", "Renforcement des capacités et plaidoyer", "تقوية القدرات والترافع"),
)

SECTORS = _vocab(
    ("justice", "Justice", "العدل"),
    ("sante", "Santé", "الصحة"),
    ("surete_nationale", "Sûreté nationale", "الأمن الوطني"),
    ("gendarmerie", "Gendarmerie royale", "الدرك الملكي"),
    ("education", "Éducation nationale", "التربية الوطنية"),
    ("entraide_nationale", "Entraide nationale", "التعاون الوطني"),
    ("jeunesse", "Jeunesse", "الشباب"),
    ("solidarite_famille", "Solidarité et famille", "التضامن والأسرة"),
    ("interieur", "Intérieur et action sociale", "الداخلية والعمل الاجتماعي"),
    ("collectivite_territoriale", "Collectivité territoriale", "الجماعات الترابية"),
    ("developpement_social", "Développement social", "التنمية الاجتماعية"),
    ("formation_professionnelle", "Formation professionnelle", "التكوين المهني"),
    ("societe_civile", "Société civile", "المجتمع المدني"),
    ("cooperation_internationale", "Coopération internationale", "التعاون الدولي"),
)

ORGANIZATION_KINDS = _vocab(
    ("institution_publique", "Institution publique", "مؤسسة عمومية"),
    ("association", "Association", "جمعية"),
    ("coordination", "Instance de coordination (CPPE, CAPE, CCPES)", "هيئة تنسيق"),
    ("internationale", "Organisation internationale", "منظمة دولية"),
    ("privee", "Organisme privé", "هيئة خاصة"),
)

LANGUAGES = _vocab(
    ("darija", "Darija", "الدارجة"),
    ("arabe", "Arabe", "العربية"),
    ("tamazight", "Tamazight", "الأمازيغية"),
    ("tachelhit", "Tachelhit", "تاشلحيت"),
    ("tarifit", "Tarifit", "تاريفيت"),
    ("hassania", "Hassania", "الحسانية"),
    ("francais", "Français", "الفرنسية"),
    ("espagnol", "Espagnol", "الإسبانية"),
    ("anglais", "Anglais", "الإنجليزية"),
    ("langue_des_signes", "Langue des signes", "لغة الإشارة"),
)

SERVICE_STATUSES = _vocab(
    ("active", "Actif", "نشط"),
    ("inactive", "Inactif", "غير نشط"),
    ("temporarily_closed", "Fermé temporairement", "مغلق مؤقتا"),
    ("no_capacity", "Sans capacité — ne pas orienter", "بدون طاقة استيعابية — لا توجه إليه"),
)

ACCESS_MODES = _vocab(
    ("referral", "Sur orientation", "بالتوجيه"),
    ("appointment", "Sur rendez-vous", "بموعد"),
    ("drop_in", "Accueil direct", "استقبال مباشر"),
)

SEXES = _vocab(
    ("F", "Fille", "أنثى"),
    ("M", "Garçon", "ذكر"),
)

LINK_KINDS = _vocab(
    ("protocol", "Protocole ou convention", "بروتوكول أو اتفاقية"),
    ("practice", "Pratique habituelle", "ممارسة معتادة"),
)

COORDINATES_PRECISIONS = _vocab(
    ("exact", "Adresse exacte", "عنوان دقيق"),
    ("commune", "Centre de la commune", "مركز الجماعة"),
)

CHANNEL_KINDS = _vocab(
    ("phone", "Téléphone", "الهاتف"),
    ("mobile", "Mobile", "الهاتف المحمول"),
    ("fax", "Fax", "الفاكس"),
    ("hotline", "Numéro vert", "الرقم الأخضر"),
    ("email", "Courriel", "البريد الإلكتروني"),
    ("website", "Site web", "الموقع الإلكتروني"),
)

PHONE_KINDS = frozenset({"phone", "mobile", "fax", "hotline"})
"""Channel kinds whose value is a phone number (validated and stored as E.164)."""

REFERRAL_STATUSES = _vocab(
    ("sent", "Envoyée", "مرسلة"),
    ("received", "Reçue", "مستلمة"),
    ("accepted", "Acceptée", "مقبولة"),
    ("declined", "Refusée", "مرفوضة"),
    ("in_progress", "Prise en charge en cours", "التكفل جار"),
    ("completed", "Prise en charge terminée", "تم التكفل"),
    ("not_completed", "Prise en charge non aboutie", "لم يتم التكفل"),
    ("cancelled", "Annulée par l'envoyeur", "ألغاها المرسل"),
    ("expired", "Expirée sans réponse", "انتهى الأجل دون رد"),
)
"""The life of a referral (see :mod:`graph_service.domain.referral` for its transitions)."""

REFERRAL_REASONS = _vocab(
    ("no_capacity", "Pas de place disponible", "لا توجد طاقة استيعابية"),
    ("not_eligible", "L'enfant ne relève pas des critères du service", "الطفل لا تنطبق عليه شروط الخدمة"),
    ("not_competent", "Service non compétent", "الخدمة غير مختصة"),
    ("unreachable", "Enfant ou famille injoignable", "تعذر الاتصال بالطفل أو الأسرة"),
    ("other", "Autre motif (précisé sur la fiche papier)", "سبب آخر (يحدد في البطاقة الورقية)"),
)
"""Why a referral was declined or its care not completed: codes only, never a sentence."""

AGE_BANDS = _vocab(
    ("age_0_5", "0 à 5 ans", "من 0 إلى 5 سنوات"),
    ("age_6_11", "6 à 11 ans", "من 6 إلى 11 سنة"),
    ("age_12_14", "12 à 14 ans", "من 12 إلى 14 سنة"),
    ("age_15_17", "15 à 17 ans", "من 15 إلى 17 سنة"),
)
"""A referral carries the child's age band, never an age or a date of birth."""

TERRITORY_LEVELS = ("region", "province", "commune")

GAP_KINDS = _vocab(
    ("competent_missing", "Service compétent non recensé", "المصلحة المختصة غير مدرجة في الدليل"),
    ("none_in_province", "Aucun service de la zone : service hors zone proposé",
     "لا توجد مصلحة في المنطقة: اقتراح مصلحة خارج المنطقة"),
    ("beyond_max_km", "Aucun service à distance raisonnable", "لا توجد مصلحة على مسافة معقولة"),
)
"""Why a stage of a plan has no service of the child's area (see :mod:`.competence`)."""

EMERGENCY_NUMBERS = _vocab(
    ("19", "Police (Sûreté nationale), en ville", "الشرطة (الأمن الوطني) في المدن"),
    ("177", "Gendarmerie royale, en milieu rural", "الدرك الملكي في العالم القروي"),
    ("15", "Protection civile (secours, ambulance)", "الوقاية المدنية (الإسعاف)"),
)
"""The public national short numbers shown with every urgent plan (their codes are the numbers)."""

VOCABULARIES: dict[str, dict[str, Term]] = {
    "stage": STAGES,
    "situation": SITUATIONS,
    "service_type": SERVICE_TYPES,
    "sector": SECTORS,
    "organization_kind": ORGANIZATION_KINDS,
    "language": LANGUAGES,
    "status": SERVICE_STATUSES,
    "access": ACCESS_MODES,
    "sex": SEXES,
    "link_kind": LINK_KINDS,
    "coordinates_precision": COORDINATES_PRECISIONS,
    "channel_kind": CHANNEL_KINDS,
    "gap_kind": GAP_KINDS,
    "referral_status": REFERRAL_STATUSES,
    "referral_reason": REFERRAL_REASONS,
    "age_band": AGE_BANDS,
}
"""Every vocabulary by name, for validation messages and the API's enum lists."""


FIELD_VOCABULARIES: dict[str, str] = {
    "type": "service_type", "stages": "stage", "situations": "situation",
    "languages": "language", "sex": "sex", "access": "access", "status": "status",
    "org_kind": "organization_kind", "sector": "sector", "link_kind": "link_kind",
    "coordinates_precision": "coordinates_precision", "kind": "channel_kind",
}
"""The vocabulary each coded field of an entry (or of a channel) draws from, so that a
reader sees its label wherever the code is shown (a diff, a history line)."""


def unknown_code(field: str, value: str, vocab: dict[str, Term]) -> FieldError:
    """The one answer to a code not in ``vocab`` (CLI, API, forms, files): the valid codes
    and the closest one, in French and in Arabic.

    >>> unknown_code("situations", "travail", SITUATIONS).message.split(" ; ")[1]
    'voulez-vous dire exploitation_economique ?'
    """
    guess = closest_code(value, vocab)
    fr = [f"code inconnu {value!r}"]
    ar = [f"رمز غير معروف «{value}»"]
    if guess is not None:
        fr.append(f"voulez-vous dire {guess} ?")
        ar.append(f"هل تقصد {guess}؟")
    fr.append(f"codes possibles : {', '.join(vocab)}")
    ar.append(f"الرموز الممكنة: {'، '.join(vocab)}")
    return FieldError(field, " ; ".join(fr), message_ar=" ؛ ".join(ar))


def closest_code(value: str, vocab: dict[str, Term]) -> str | None:
    """The code someone typing ``value`` most likely meant: the first code containing it, else
    the first whose French or Arabic label has it as a word (« travail » →
    exploitation_economique), else the code spelled most alike; None when nothing is close."""
    key = _fold(value)
    if not key:
        return None
    for code in vocab:
        if key in _fold(code):
            return code
    for code, term in vocab.items():
        if key in _fold(f"{term.fr} {term.ar}").split():
            return code
    folded = {_fold(code): code for code in vocab}
    found = difflib.get_close_matches(key, list(folded), n=1, cutoff=0.6)
    return folded[found[0]] if found else None


def _fold(text: str) -> str:
    """Lower case, without accents, words separated by spaces (codes' ``_`` too)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                    if not unicodedata.combining(c))
    return " ".join(re.split(r"[^\w]+|_", plain)).strip()


def check_code(field: str, value: str | None, vocab: dict[str, Term]) -> list[FieldError]:
    """No error when ``value`` is absent or one of ``vocab``'s codes, else :func:`unknown_code`."""
    return [] if value is None or value in vocab else [unknown_code(field, value, vocab)]
