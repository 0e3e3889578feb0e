// Classifier scores: one pass fills the confusion matrix; every other figure is read off it.
#include <focus/metrics/classification.h>

#include <algorithm>
#include <cstdio>

#include <focus/tensor/error.h>

namespace focus::metrics {
namespace {

double ratio(std::int64_t num, std::int64_t den) { return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den); }

}  // namespace

ClassificationScores classify_scores(const std::vector<std::int64_t>& predictions, const std::vector<std::int64_t>& labels,
                                     std::int64_t num_classes) {
  if (num_classes < 1) throw ValueError("classify_scores: num_classes must be at least 1; got " + std::to_string(num_classes));
  if (predictions.size() != labels.size())
    throw ValueError("classify_scores: predictions and labels must have the same length; got " +
                     std::to_string(predictions.size()) + " and " + std::to_string(labels.size()));
  const auto n = static_cast<std::size_t>(num_classes);
  ClassificationScores s;
  s.confusion.assign(n, std::vector<std::int64_t>(n, 0));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    for (const auto& [what, value] : {std::pair{"label", labels[i]}, std::pair{"prediction", predictions[i]}})
      if (value < 0 || value >= num_classes)
        throw ValueError(std::string("classify_scores: ") + what + " " + std::to_string(value) + " at index " +
                         std::to_string(i) + " is not in [0, " + std::to_string(num_classes) + ")");
    ++s.confusion[static_cast<std::size_t>(labels[i])][static_cast<std::size_t>(predictions[i])];
  }
  s.examples = static_cast<std::int64_t>(labels.size());
  std::int64_t correct = 0;
  for (std::size_t c = 0; c < n; ++c) {
    std::int64_t row = 0, col = 0;
    for (std::size_t k = 0; k < n; ++k) row += s.confusion[c][k], col += s.confusion[k][c];
    const std::int64_t hit = s.confusion[c][c];
    correct += hit;
    const double p = ratio(hit, col), r = ratio(hit, row);
    s.precision.push_back(p), s.recall.push_back(r), s.f1.push_back(p + r > 0 ? 2 * p * r / (p + r) : 0.0);
    s.support.push_back(row);
    s.macro_precision += p / static_cast<double>(n), s.macro_recall += r / static_cast<double>(n);
    s.macro_f1 += s.f1.back() / static_cast<double>(n);
  }
  s.accuracy = ratio(correct, s.examples);
  return s;
}

std::string classification_table(const ClassificationScores& s, const std::vector<std::string>& names) {
  if (names.size() != s.precision.size())
    throw ValueError("classification_table: need one name per class; got " + std::to_string(names.size()) + " names for " +
                     std::to_string(s.precision.size()) + " classes");
  int width = 9;  // "macro avg"
  for (const auto& name : names) width = std::max(width, static_cast<int>(name.size()));
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  precision  recall     f1  support\n", width, "class");
  out += line;
  for (std::size_t c = 0; c < names.size(); ++c) {
    std::snprintf(line, sizeof line, "%-*s  %9.4f  %6.4f  %.4f  %7lld\n", width, names[c].c_str(), s.precision[c], s.recall[c],
                  s.f1[c], static_cast<long long>(s.support[c]));
    out += line;
  }
  std::snprintf(line, sizeof line, "%-*s  %9.4f  %6.4f  %.4f  %7lld\n", width, "macro avg", s.macro_precision, s.macro_recall,
                s.macro_f1, static_cast<long long>(s.examples));
  out += line;
  std::snprintf(line, sizeof line, "%-*s  %.4f\n", width, "accuracy", s.accuracy);
  out += line;
  out += "confusion matrix (true class down, predicted across):\n";
  for (std::size_t t = 0; t < names.size(); ++t) {
    std::snprintf(line, sizeof line, "%-*s", width, names[t].c_str());
    out += line;
    for (std::int64_t count : s.confusion[t]) {
      std::snprintf(line, sizeof line, " %5lld", static_cast<long long>(count));
      out += line;
    }
    out += '\n';
  }
  return out;
}

}  // namespace focus::metrics
