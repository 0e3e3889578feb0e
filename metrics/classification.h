// Scores for a classifier: the confusion matrix and, per class, precision, recall and F1 (the
// seed article's metrics), with their macro averages and the accuracy. One call (classify_scores)
// counts everything; classification_table prints it as the aligned text table examples show.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace focus::metrics {

// confusion[t][p]: how many examples of true class t were predicted as p. Per class c:
// precision = confusion[c][c] / (column c's sum), recall = confusion[c][c] / (row c's sum),
// f1 = 2 p r / (p + r); each 0 where its denominator is 0 (as scikit-learn's zero_division=0).
// macro_* average the classes with equal weight; accuracy = trace / examples.
struct ClassificationScores {
  std::vector<std::vector<std::int64_t>> confusion;  // [classes][classes]
  std::vector<double> precision, recall, f1;         // [classes]
  std::vector<std::int64_t> support;                 // [classes]: examples of each true class
  double accuracy = 0.0, macro_precision = 0.0, macro_recall = 0.0, macro_f1 = 0.0;
  std::int64_t examples = 0;
};

// predictions and labels hold class indices in [0, num_classes). Throws ValueError when their
// lengths differ, num_classes < 1, or an index is out of range (naming it and its position).
[[nodiscard]] ClassificationScores classify_scores(const std::vector<std::int64_t>& predictions,
                                                   const std::vector<std::int64_t>& labels,
                                                   std::int64_t num_classes);

// One line per class ("class  precision  recall  f1  support"), then the macro average and the
// accuracy, then the confusion matrix with true classes down and predictions across. names: one per
// class (ValueError otherwise).
[[nodiscard]] std::string classification_table(const ClassificationScores& scores,
                                               const std::vector<std::string>& names);

}  // namespace focus::metrics
