// The zh-en grammar: render_zh_en, where the word-order rules of the two languages sit side by
// side (noun phrases, verb groups, then the four clause shapes). The words are in
// zh_en_words.cpp, the sampler that draws clauses in zh_en.cpp.
#include <focus/data/zh_en.h>

#include <focus/data/internal/zh_en_grammar.h>
#include <focus/tensor/error.h>

namespace focus::data::zh_en_detail {

namespace {

// ---- small helpers -----------------------------------------------------------------------------

[[noreturn]] void bad_clause(const std::string& rule, std::string_view got) {
  throw ValueError("render_zh_en: " + rule + "; got '" + std::string(got) + "'");
}

// The words joined by single spaces, empty ones left out.
std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (w.empty()) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string_view article(std::string_view next_word) {
  return std::string_view("aeiou").find(next_word.front()) != std::string_view::npos ? "an" : "a";
}

std::string plural_of(std::string_view container) {
  return std::string(container) + (container.back() == 's' ? "es" : "s");  // glass -> glasses
}

// ---- noun phrases ------------------------------------------------------------------------------

NounPhrase make_phrase(NounPhrase::Form form, std::string en, Agreement agreement, unsigned classes) {
  return {form, en, en, agreement, classes, 0, {}};
}

// 本书 (measure + noun) after 这/那/一/两 ...: the noun whose classifier it is.
const Noun* counted_noun(std::string_view rest) {
  for (const Noun& n : kNouns) {
    if (!n.measure.empty() && rest.size() == n.measure.size() + n.zh.size() && rest.starts_with(n.measure) &&
        rest.ends_with(n.zh)) {
      return &n;
    }
  }
  return nullptr;
}

// What a container holds or the noun itself: "cup of tea", "book".
std::string counted_singular(const Noun& n) {
  return n.container.empty() ? std::string(n.singular) : join({n.container, "of", n.singular});
}

}  // namespace

// Reads a noun phrase: 我 | 老师 (a role) | 猫 (generic) | 我的猫 / 老师的书 | 这本书 / 那只猫 |
// 三本书 / 一杯茶.
std::optional<NounPhrase> parse_noun_phrase(std::string_view zh) {
  if (const Pronoun* p = find_zh(kPronouns, zh)) {
    return NounPhrase{
        NounPhrase::kPronoun, std::string(p->subject), std::string(p->object), p->agreement, kPerson, p->person, p->zh};
  }
  constexpr std::string_view kOf = "的";
  if (const std::size_t of = zh.find(kOf); of != std::string_view::npos) {
    const std::string_view owner = zh.substr(0, of), owned = zh.substr(of + kOf.size());
    const Noun* n = find_zh(kNouns, owned);
    if (n == nullptr || (n->classes & kConcrete) == 0) return std::nullopt;
    std::string possessive;
    if (const Pronoun* p = find_zh(kPronouns, owner)) {
      possessive = p->possessive;
    } else if (const Noun* o = find_zh(kNouns, owner); o != nullptr && (o->classes & kRole)) {
      possessive = join({"the", o->singular}) + "'s";
    } else {
      return std::nullopt;
    }
    return make_phrase(NounPhrase::kPossessive, join({possessive, n->singular}), Agreement::kThirdSingular, n->classes);
  }
  for (std::string_view demonstrative : {"这", "那"}) {
    if (!zh.starts_with(demonstrative)) continue;
    const Noun* n = counted_noun(zh.substr(demonstrative.size()));
    if (n == nullptr) return std::nullopt;
    const std::string_view en = demonstrative == "这" ? "this" : "that";
    return make_phrase(NounPhrase::kDemonstrative, join({en, counted_singular(*n)}), Agreement::kThirdSingular,
                       n->classes);
  }
  for (const Number& number : kNumbers) {
    if (!zh.starts_with(number.zh)) continue;
    const Noun* n = counted_noun(zh.substr(number.zh.size()));
    if (n == nullptr) return std::nullopt;
    if (number.value == 1) {
      const std::string what = counted_singular(*n);
      return make_phrase(NounPhrase::kCounted, join({article(what), what}), Agreement::kThirdSingular, n->classes);
    }
    const std::string what =
        n->container.empty() ? std::string(n->plural) : join({plural_of(n->container), "of", n->singular});
    return make_phrase(NounPhrase::kCounted, join({number.en, what}), Agreement::kPlural, n->classes);
  }
  const Noun* n = find_zh(kNouns, zh);
  if (n == nullptr) return std::nullopt;
  if (n->classes & kPerson) {
    // A bare person is definite, and only roles go bare: 老师 "the teacher", never 朋友.
    if ((n->classes & kRole) == 0) return std::nullopt;
    return make_phrase(NounPhrase::kBare, join({"the", n->singular}), Agreement::kThirdSingular, n->classes);
  }
  // Any other bare noun is generic: plural if counted (猫 cats), else as it is (茶 tea).
  if (n->plural.empty())
    return make_phrase(NounPhrase::kBare, std::string(n->singular), Agreement::kThirdSingular, n->classes);
  return make_phrase(NounPhrase::kBare, std::string(n->plural), Agreement::kPlural, n->classes);
}

// Two pronouns of the same person (我 ... 我, 我 ... 我们) would need a reflexive.
bool same_person(const NounPhrase& a, const NounPhrase& b) {
  return a.form == NounPhrase::kPronoun && b.form == NounPhrase::kPronoun &&
         (a.zh == b.zh || (a.person != 0 && a.person == b.person));
}

namespace {

NounPhrase noun_phrase(std::string_view zh, std::string_view role) {
  if (zh.empty()) bad_clause(std::string(role) + " must not be empty", zh);
  std::optional<NounPhrase> np = parse_noun_phrase(zh);
  if (!np) bad_clause(std::string(role) + " must be a noun phrase of the lexicon", zh);
  return *np;
}

// ---- verbs -------------------------------------------------------------------------------------

// The English verb group: the auxiliary a question puts first, and the words after the subject.
struct VerbGroup {
  std::string front, rest;
};

// A lexical verb in a tense: "likes", "does not like", "does ... like"; "went", "did not go";
// "will go", "will not go".
VerbGroup conjugate(std::string_view base, std::string_view third, std::string_view past, Agreement agreement,
                    Tense tense, bool negated, bool question) {
  const bool singular = agreement == Agreement::kThirdSingular;
  // The auxiliary that carries the tense in questions and negations.
  const std::string_view aux = tense == Tense::kPast     ? "did"
                               : tense == Tense::kFuture ? "will"
                               : singular                ? "does"
                                                         : "do";
  if (question) return {std::string(aux), std::string(base)};
  if (negated) return {"", join({aux, "not", base})};
  if (tense == Tense::kFuture) return {"", join({aux, base})};
  if (tense == Tense::kPast) return {"", std::string(past)};
  return {"", std::string(singular ? third : base)};
}

// "am", "is not", "were", "will be": the copula of adjective sentences.
VerbGroup conjugate_be(Agreement agreement, Tense tense, bool negated, bool question) {
  std::string_view form = "will";
  if (tense == Tense::kPresent)
    form = agreement == Agreement::kI ? "am" : agreement == Agreement::kThirdSingular ? "is" : "are";
  if (tense == Tense::kPast) form = agreement == Agreement::kPlural ? "were" : "was";
  const std::string_view be = tense == Tense::kFuture ? "be" : "";
  if (question) return {std::string(form), std::string(be)};
  return {"", join({form, negated ? "not" : "", be})};
}

// The one verb entry for zh that takes this object (看 reads a book but watches a movie).
const Verb* find_verb(std::string_view zh, const std::optional<NounPhrase>& object) {
  const Verb* found = nullptr;
  for (const Verb& v : kVerbs) {
    if (v.zh != zh) continue;
    const bool fits = v.kind == VerbKind::kMotion ||
                      (object ? (object->classes & v.objects) != 0 : v.objects == 0 || v.object_optional);
    if (!fits) continue;
    if (found != nullptr) throw std::logic_error("render_zh_en: two verb entries fit " + std::string(zh));
    found = &v;
  }
  return found;
}

// A verb, its object and (for motion) destination, both languages, as a verb phrase after the
// subject: object_zh is the Chinese object or destination, object_en the English one.
struct VerbPhrase {
  const Verb* verb = nullptr;
  std::string object_zh, object_en;
  bool counted_object = false;
};

VerbPhrase verb_phrase(std::string_view verb_zh, std::string_view object_zh, const NounPhrase& subject) {
  std::optional<NounPhrase> object;
  const Place* destination = nullptr;
  if (!object_zh.empty()) {
    object = parse_noun_phrase(object_zh);
    destination = find_zh(kPlaces, object_zh);
  }
  VerbPhrase vp;
  vp.verb = find_verb(verb_zh, object);
  if (vp.verb == nullptr) {
    if (!object_zh.empty() && !object) bad_clause("the object must be a noun phrase of the lexicon", object_zh);
    bad_clause("the verb must be in the lexicon and fit its object", join({verb_zh, object_zh}));
  }
  const Verb& v = *vp.verb;
  if ((subject.classes & v.subjects) == 0) bad_clause("the subject must be able to do the verb", verb_zh);
  vp.object_zh = object_zh;
  if (v.kind == VerbKind::kMotion) {
    if (v.zh == "回家") {
      if (!object_zh.empty()) bad_clause("回家 takes no destination", object_zh);
    } else if (destination == nullptr || destination->to.empty()) {
      bad_clause("去 and 来 take a destination (去北京)", object_zh);
    } else {
      vp.object_en = destination->to;
    }
    return vp;
  }
  if (object) {
    if (same_person(subject, *object)) bad_clause("a pronoun object must differ from the subject", object_zh);
    if ((object->classes & v.counted_only) && object->form != NounPhrase::kCounted) {
      bad_clause("this verb takes people only with a number (有一个哥哥)", object_zh);
    }
    vp.object_en = object->object_en;
    vp.counted_object = object->form == NounPhrase::kCounted;
  }
  return vp;
}

// ---- clauses -----------------------------------------------------------------------------------

// 我很累 -> i am tired. Chinese: S T (很|非常|不) ADJ (吗). English: (be) S (be) (very|not) ADJ T (?).
Example render_adjective(const ZhEnClause& c, const NounPhrase& subject, const Time* time) {
  const Adjective* adjective = nullptr;
  for (const Adjective& a : kAdjectives) {
    if (a.zh == c.verb && (a.subjects & subject.classes)) adjective = &a;
  }
  if (adjective == nullptr) bad_clause("the adjective must fit the subject", c.verb);
  if (!c.object.empty() || !c.place.empty() || !c.companion.empty() || !c.transport.empty() || !c.inner_verb.empty()) {
    bad_clause("an adjective takes no object, place, companion, transport or verb", c.verb);
  }
  if (c.very && (c.negated || c.question)) bad_clause("非常 goes only in statements", c.verb);
  if (time && !adjective->passing) bad_clause("a lasting quality takes no time phrase", c.time + c.verb);
  const Tense tense = time ? time->tense : Tense::kPresent;
  // 很 is the plain link of a Chinese adjective statement; English leaves it out.
  const std::string_view degree = c.negated ? "不" : c.question ? "" : c.very ? "非常" : "很";
  const std::string source = c.subject + c.time + std::string(degree) + c.verb + (c.question ? "吗" : "");
  const VerbGroup be = conjugate_be(subject.agreement, tense, c.negated, c.question);
  const std::string tail = join({c.very ? "very" : "", adjective->en, time ? time->en : ""});
  if (c.question) return {source, join({be.front, subject.subject_en, be.rest, tail, "?"})};
  return {source, join({subject.subject_en, be.rest, tail})};
}

// 我爱学习编程 -> i love learning programming. Chinese: S (不) CAT (在P | X) V O (吗).
// English: (do|does|can) S (do not) CAT V-ing / to V / V  O  (by X) (at P) (?).
Example render_catenative(const ZhEnClause& c, const NounPhrase& subject) {
  const Catenative* cat = find_zh(kCatenatives, c.verb);
  if (cat == nullptr) bad_clause("only 喜欢, 爱, 想 and 会 take a verb phrase", c.verb);
  if (!c.time.empty() || !c.companion.empty())
    bad_clause("喜欢, 爱, 想 and 会 take no time or companion", c.time + c.companion);
  if ((subject.classes & kPerson) == 0) bad_clause("a verb phrase after 喜欢, 爱, 想, 会 needs a person", c.subject);
  const VerbPhrase vp = verb_phrase(c.inner_verb, c.object, subject);
  const Verb& v = *vp.verb;
  if (v.kind == VerbKind::kState) bad_clause("the inner verb must be an action", c.inner_verb);
  if (cat->complement == Complement::kModal && (!v.skill || !c.place.empty() || !c.transport.empty())) {
    bad_clause("会 takes a skill alone (会游泳, 会说中文)", c.inner_verb);
  }
  if (vp.counted_object && (cat->complement != Complement::kInfinitive || c.negated)) {
    bad_clause("a counted object goes only after 想 in a statement", c.object);
  }
  const Place* place = c.place.empty() ? nullptr : find_zh(kPlaces, c.place);
  const Transport* transport = c.transport.empty() ? nullptr : find_zh(kTransports, c.transport);
  if (!c.place.empty() && (place == nullptr || v.kind == VerbKind::kMotion))
    bad_clause("the place must be in the lexicon and not with 去", c.place);
  if (!c.transport.empty() && (transport == nullptr || v.kind != VerbKind::kMotion))
    bad_clause("a transport goes with 去, 来, 回家", c.transport);

  const std::string source = c.subject + (c.negated ? "不" : "") + c.verb + (place ? "在" + c.place : c.transport) +
                             c.inner_verb + c.object + (c.question ? "吗" : "");
  VerbGroup group;
  std::string inner;
  switch (cat->complement) {
    case Complement::kGerund:
      inner = v.ing;
      break;
    case Complement::kInfinitive:
      inner = join({"to", v.base});
      break;
    case Complement::kModal:
      inner = v.base;
      break;
  }
  if (cat->complement == Complement::kModal) {
    group = c.question ? VerbGroup{"can", ""} : VerbGroup{"", c.negated ? "cannot" : "can"};
  } else {
    group = conjugate(cat->base, cat->third, "", subject.agreement, Tense::kPresent, c.negated, c.question);
  }
  const std::string tail =
      join({group.rest, inner, vp.object_en, transport ? transport->en : "", place ? place->at : ""});
  if (c.question) return {source, join({group.front, subject.subject_en, tail, "?"})};
  return {source, join({subject.subject_en, tail})};
}

// 我喜欢猫 -> i like cats. Chinese: S (不 | 没 before 有) V O (吗). English: (do|does) S V O (?).
Example render_state(const ZhEnClause& c, const NounPhrase& subject, const VerbPhrase& vp) {
  const Verb& v = *vp.verb;
  if (!c.time.empty() || !c.place.empty() || !c.companion.empty() || !c.transport.empty()) {
    bad_clause("a state verb takes no time, place, companion or transport", c.verb);
  }
  if (c.object.empty()) bad_clause("a state verb needs an object", c.verb);
  if (vp.counted_object && c.negated) bad_clause("a counted object goes only in a statement or question", c.object);
  const std::string_view negation = !c.negated ? "" : v.zh == "有" ? "没" : "不";
  const std::string source = c.subject + std::string(negation) + c.verb + c.object + (c.question ? "吗" : "");
  const VerbGroup group = conjugate(v.base, v.third, v.past, subject.agreement, Tense::kPresent, c.negated, c.question);
  if (c.question) return {source, join({group.front, subject.subject_en, group.rest, vp.object_en, "?"})};
  return {source, join({subject.subject_en, group.rest, vp.object_en})};
}

// The main rule, where the two word orders differ most:
//   Chinese:  S  T  (不|没)  (和X一起)  (在P | transport)  V (了)  O  (了)  (吗)
//   English:  (do|does|did|will)  S  V  O  (with X)  (by transport)  (at P)  T  (?)
// 了 marks a past statement or question: right after the verb when an object follows (我昨天吃了
// 苹果), at the end otherwise (我昨天游泳了). A past negation uses 没 and no 了.
Example render_action(const ZhEnClause& c, const NounPhrase& subject, const VerbPhrase& vp, const Time* time) {
  const Verb& v = *vp.verb;
  const Tense tense = time ? time->tense : Tense::kPresent;
  if (c.negated && time && time->habitual) bad_clause("a habit (每天) is not negated", c.time);
  if (c.negated && vp.counted_object) bad_clause("a counted object goes only in a statement or question", c.object);
  if (v.kind == VerbKind::kTransitive && c.object.empty() && !v.object_optional)
    bad_clause("this verb needs an object", c.verb);
  std::optional<NounPhrase> companion;
  if (!c.companion.empty()) {
    companion = noun_phrase(c.companion, "the companion");
    if ((companion->classes & kPerson) == 0 || same_person(subject, *companion)) {
      bad_clause("the companion must be another person", c.companion);
    }
  }
  const Place* place = c.place.empty() ? nullptr : find_zh(kPlaces, c.place);
  const Transport* transport = c.transport.empty() ? nullptr : find_zh(kTransports, c.transport);
  if (!c.place.empty() && (place == nullptr || v.kind == VerbKind::kMotion))
    bad_clause("the place must be in the lexicon and not with 去", c.place);
  if (!c.transport.empty() && (transport == nullptr || v.kind != VerbKind::kMotion))
    bad_clause("a transport goes with 去, 来, 回家", c.transport);

  const bool past_done = tense == Tense::kPast && !c.negated;
  const std::string_view negation = !c.negated ? "" : tense == Tense::kPast ? "没" : "不";
  const bool has_object = !c.object.empty();
  const std::string source = c.subject + c.time + std::string(negation) +
                             (companion ? "和" + c.companion + "一起" : "") + (place ? "在" + c.place : c.transport) +
                             c.verb + (past_done && has_object ? "了" : "") + c.object +
                             (past_done && !has_object ? "了" : "") + (c.question ? "吗" : "");

  const VerbGroup group = conjugate(v.base, v.third, v.past, subject.agreement, tense, c.negated, c.question);
  const std::string tail = join({group.rest, vp.object_en, companion ? join({"with", companion->object_en}) : "",
                                 transport ? transport->en : "", place ? place->at : "", time ? time->en : ""});
  if (c.question) return {source, join({group.front, subject.subject_en, tail, "?"})};
  return {source, join({subject.subject_en, tail})};
}

}  // namespace

}  // namespace focus::data::zh_en_detail

namespace focus::data {

using namespace zh_en_detail;

Example render_zh_en(const ZhEnClause& c) {
  const NounPhrase subject = noun_phrase(c.subject, "the subject");
  if (subject.form == NounPhrase::kCounted) bad_clause("the subject must not be counted", c.subject);
  const Time* time = nullptr;
  if (!c.time.empty()) {
    time = find_zh(kTimes, c.time);
    if (time == nullptr) bad_clause("the time must be in the lexicon", c.time);
  }
  if (c.negated && c.question) bad_clause("a question is not negated", c.subject + c.verb);
  if (find_zh(kAdjectives, c.verb) != nullptr) return render_adjective(c, subject, time);
  if (c.very) bad_clause("非常 goes only with adjectives", c.verb);
  if (!c.inner_verb.empty()) return render_catenative(c, subject);
  const VerbPhrase vp = verb_phrase(c.verb, c.object, subject);
  if (vp.verb->kind == VerbKind::kState) return render_state(c, subject, vp);
  return render_action(c, subject, vp, time);
}

std::size_t zh_en_lexicon_size() {
  return kNouns.size() + kPronouns.size() + kNumbers.size() + kTimes.size() + kPlaces.size() + kTransports.size() +
         kVerbs.size() + kCatenatives.size() + kAdjectives.size();
}

}  // namespace focus::data
