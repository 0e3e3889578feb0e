// The zh-en sampler: the mix of constructions drawn from the grammar, and make_zh_en, which
// keeps the distinct sentences and cuts them into splits (grammar in zh_en_grammar.cpp, words
// in zh_en_words.cpp).
#include <focus/data/zh_en.h>

#include <span>
#include <stdexcept>

#include <focus/data/example_set.h>
#include <focus/data/internal/zh_en_grammar.h>
#include <focus/tensor/random.h>

namespace focus::data {

namespace {

using namespace zh_en_detail;

// Draws clauses the grammar makes, with the mix of constructions below.
class ClauseSampler {
 public:
  explicit ClauseSampler(Generator& gen) : gen_(gen) {}

  ZhEnClause sample() {
    const double kind = gen_.uniform();
    if (kind < 0.32) return action(VerbKind::kTransitive);
    if (kind < 0.44) return action(VerbKind::kActivity);
    if (kind < 0.54) return action(VerbKind::kMotion);
    if (kind < 0.72) return state();
    if (kind < 0.88) return catenative();
    return adjective();
  }

 private:
  bool chance(double p) { return gen_.uniform() < p; }

  template <class T>
  const T& pick(std::span<const T> items) {
    return items[gen_.below(items.size())];
  }

  std::vector<const Noun*> nouns_of(unsigned classes) const {
    std::vector<const Noun*> out;
    for (const Noun& n : kNouns) {
      if (n.classes & classes) out.push_back(&n);
    }
    return out;
  }

  std::vector<const Verb*> verbs_of(VerbKind kind, bool skills_only = false) const {
    std::vector<const Verb*> out;
    for (const Verb& v : kVerbs) {
      if (v.kind == kind && (!skills_only || v.skill)) out.push_back(&v);
    }
    return out;
  }

  std::string possessor() {
    if (chance(0.8)) return std::string(pick(kPronouns).zh);
    std::vector<const Noun*> roles;
    for (const Noun& n : kNouns) {
      if (n.classes & kRole) roles.push_back(&n);
    }
    return std::string(pick(std::span<const Noun* const>(roles))->zh);
  }

  std::string counted(const Noun& n, bool demonstrative) {
    const std::string_view first = demonstrative ? (chance(0.5) ? "这" : "那") : pick(kNumbers).zh;
    return std::string(first) + std::string(n.measure) + std::string(n.zh);
  }

  // A person: pronoun, role (老师) or someone's person (我的朋友).
  std::string person() {
    const double r = gen_.uniform();
    if (r < 0.55) return std::string(pick(kPronouns).zh);
    const std::vector<const Noun*> people = nouns_of(kPerson);
    const Noun& n = *pick(std::span<const Noun* const>(people));
    if (r < 0.7 && (n.classes & kRole)) return std::string(n.zh);
    return possessor() + "的" + std::string(n.zh);
  }

  // A noun phrase of one of the classes, never a pronoun. counted_ok lets it take a number;
  // nouns of the counted_only classes come only with one (有一个哥哥).
  std::string thing(unsigned classes, bool counted_ok, unsigned counted_only = 0) {
    const std::vector<const Noun*> candidates = nouns_of(classes);
    for (;;) {
      const Noun& n = *pick(std::span<const Noun* const>(candidates));
      if (n.classes & counted_only) {
        if (!counted_ok) continue;
        return counted(n, false);
      }
      const bool countable = !n.measure.empty();
      const double r = gen_.uniform();
      // Counted people ("he meets five fathers") read oddly; only 有 counts them.
      if (countable && counted_ok && r < 0.2 && (n.classes & kPerson) == 0) return counted(n, false);
      if (countable && r < 0.35) return counted(n, true);
      const bool needs_owner = (n.classes & kPerson) && (n.classes & kRole) == 0;
      if (((n.classes & kConcrete) && r < 0.55) || needs_owner) return possessor() + "的" + std::string(n.zh);
      return std::string(n.zh);
    }
  }

  // A subject that can do the verb: mostly people, sometimes an animal (我的猫, 这只狗).
  std::string subject(unsigned can_do) {
    if ((can_do & kAnimal) && chance(0.15)) {
      const std::vector<const Noun*> animals = nouns_of(kAnimal);
      const Noun& n = *pick(std::span<const Noun* const>(animals));
      return chance(0.5) ? possessor() + "的" + std::string(n.zh) : counted(n, true);
    }
    return person();
  }

  // An object of the verb for this subject (no 我 ... 我).
  std::string object(const Verb& v, const std::string& subject_zh, bool counted_ok) {
    for (;;) {
      std::string zh = (v.objects & kPerson) && chance(0.35) ? person() : thing(v.objects, counted_ok, v.counted_only);
      const std::optional<NounPhrase> s = parse_noun_phrase(subject_zh), o = parse_noun_phrase(zh);
      if (o && (o->classes & v.counted_only) && o->form != NounPhrase::kCounted) continue;
      if (s && o && !same_person(*s, *o)) return zh;
    }
  }

  // Questions from 我 / 我们 ("do i like cats ?") are left out: they read oddly.
  bool asks(const std::string& subject_zh) { return subject_zh != "我" && subject_zh != "我们" && chance(0.2); }

  ZhEnClause action(VerbKind kind) {
    const std::vector<const Verb*> verbs = verbs_of(kind);
    const Verb& v = *pick(std::span<const Verb* const>(verbs));
    ZhEnClause c;
    c.verb = v.zh;
    c.subject = subject(v.subjects);
    if (chance(0.6)) c.time = pick(kTimes).zh;
    const Time* time = c.time.empty() ? nullptr : find_zh(kTimes, c.time);
    c.negated = !(time && time->habitual) && chance(0.2);
    c.question = !c.negated && asks(c.subject);
    const bool person_subject = (parse_noun_phrase(c.subject)->classes & kPerson) != 0;
    if (person_subject && chance(0.12)) {
      do {
        c.companion = person();
      } while (same_person(*parse_noun_phrase(c.subject), *parse_noun_phrase(c.companion)));
    }
    if (kind == VerbKind::kMotion) {
      if (chance(0.45)) c.transport = pick(kTransports).zh;
      if (v.zh != "回家") c.object = destination();
    } else {
      if (chance(0.35)) c.place = pick(kPlaces).zh;
      if (kind == VerbKind::kTransitive && !(v.object_optional && chance(0.25))) {
        c.object = object(v, c.subject, !c.negated);
      }
    }
    return c;
  }

  std::string destination() {
    for (;;) {
      const Place& p = pick(kPlaces);
      if (!p.to.empty()) return std::string(p.zh);
    }
  }

  ZhEnClause state() {
    const std::vector<const Verb*> verbs = verbs_of(VerbKind::kState);
    const Verb& v = *pick(std::span<const Verb* const>(verbs));
    ZhEnClause c;
    c.verb = v.zh;
    c.subject = subject(v.subjects);
    c.negated = chance(0.2);
    c.question = !c.negated && asks(c.subject);
    c.object = object(v, c.subject, !c.negated && (v.zh == "有" || v.zh == "要"));
    return c;
  }

  ZhEnClause catenative() {
    const Catenative& cat = pick(kCatenatives);
    const bool modal = cat.complement == Complement::kModal;
    std::vector<const Verb*> verbs = verbs_of(VerbKind::kTransitive, modal);
    for (VerbKind kind : {VerbKind::kActivity, VerbKind::kMotion}) {
      for (const Verb* v : verbs_of(kind, modal)) verbs.push_back(v);
    }
    const Verb& v = *pick(std::span<const Verb* const>(verbs));
    ZhEnClause c;
    c.verb = cat.zh;
    c.inner_verb = v.zh;
    c.subject = person();
    c.negated = chance(0.2);
    c.question = !c.negated && asks(c.subject);
    if (v.kind == VerbKind::kMotion) {
      if (v.zh != "回家") c.object = destination();
      if (!modal && chance(0.4)) c.transport = pick(kTransports).zh;
    } else {
      if (!modal && chance(0.2)) c.place = pick(kPlaces).zh;
      if (v.kind == VerbKind::kTransitive && !(v.object_optional && chance(0.25))) {
        c.object = object(v, c.subject, !c.negated && cat.complement == Complement::kInfinitive);
      }
    }
    return c;
  }

  ZhEnClause adjective() {
    const Adjective& a = pick(kAdjectives);
    ZhEnClause c;
    c.verb = a.zh;
    const unsigned things = a.subjects & ~kPerson;
    if ((a.subjects & kPerson) && (things == 0 || chance(0.5))) {
      c.subject = person();
    } else {
      // A particular thing: 这本书, 那杯茶, 我的猫 (possessed only if counted, so agreement is
      // singular: "my cat is", never "my noodles is").
      for (;;) {
        const std::vector<const Noun*> candidates = nouns_of(things);
        const Noun& n = *pick(std::span<const Noun* const>(candidates));
        if (!n.measure.empty() && chance(0.6)) {
          c.subject = counted(n, true);
          break;
        }
        if (!n.plural.empty() && (n.classes & kConcrete)) {
          c.subject = possessor() + "的" + std::string(n.zh);
          break;
        }
      }
    }
    if (a.passing && chance(0.5)) c.time = pick(kTimes).zh;
    const Time* time = c.time.empty() ? nullptr : find_zh(kTimes, c.time);
    c.negated = !(time && time->habitual) && chance(0.2);
    c.question = !c.negated && asks(c.subject);
    c.very = !c.negated && !c.question && chance(0.2);
    return c;
  }

  Generator& gen_;
};

}  // namespace

std::vector<Example> sample_zh_en(std::uint64_t seed, std::size_t count) {
  Generator gen(seed);
  ClauseSampler sampler(gen);
  std::vector<Example> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(render_zh_en(sampler.sample()));
  return out;
}

Dataset make_zh_en(std::uint64_t seed) {
  const Example seed_example = render_zh_en({.subject = "我", .verb = "爱", .inner_verb = "学习", .object = "编程"});
  if (seed_example != kZhEnSeed)
    throw std::logic_error("make_zh_en: the seed sentence renders as " + seed_example.target);
  Generator gen(seed);
  ClauseSampler sampler(gen);
  ExampleSet set;
  set.add(seed_example);
  const std::size_t max_draws = 50 * kZhEnTotal;
  for (std::size_t draw = 0; set.size() < kZhEnTotal && draw < max_draws; ++draw) {
    set.add(render_zh_en(sampler.sample()));
  }
  if (set.size() < kZhEnTotal) throw std::logic_error("make_zh_en: the grammar makes too few distinct sentences");
  // The seed came first, so it opens the test split; the rest were drawn in random order.
  return split_examples(set.take(), kZhEnTest, kZhEnValid, "zh-en", false);
}

}  // namespace focus::data