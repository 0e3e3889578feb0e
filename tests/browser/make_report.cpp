// Writes the run report the browser test opens: DIR/index.html with every section filled and three
// attention maps, two over the same tokens with different weights (switching must redraw the
// cells) and one over other tokens, CJK and markup among them (switching must redraw the labels,
// escaped). Usage: focus_make_report DIR
#include <cstdio>
#include <exception>

#include <focus/train/report.h>

using namespace focus::train;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: focus_make_report DIR\n");
    return 2;
  }
  ReportData d;
  d.title = "translate: zh-en (browser test)";
  d.status = "training: step 300 of 1500";
  d.options = {{"task", "zh-en"}, {"steps", "1500"}, {"lr", "0.003"}, {"report", argv[1]}};
  d.charts = {{"loss", "step", "cross-entropy", {{"train", {50, 100, 150, 200, 250, 300}, {5.2, 3.9, 2.8, 2.1, 1.8, 1.6}},
                                                 {"valid", {150, 300}, {2.9, 1.9}}}, true},
              {"learning rate", "step", "lr", {{"lr", {50, 100, 150, 200, 250, 300}, {0.0015, 0.003, 0.003, 0.0029, 0.0028, 0.0027}}}},
              {"gradient norm", "step", "norm", {{"grad norm", {50, 100, 150, 200, 250, 300}, {3.1, 2.2, 1.4, 1.1, 0.9, 0.8}}}}};
  d.score_names = {"exact match", "BLEU"};
  d.score_rows = {{150, {0.41, 52.3}}, {300, {0.83, 81.7}}};
  d.samples = {{"我 喜欢 猫", "i like cats", "i like cats"},
               {"他 不 喜欢 狗", "he does not like dogs", "he likes dogs"},
               {"a < b & \"c\"", "", "generated: <no reference>"}};
  d.attention = {
      {"decoder layer 1, head 1 (cross-attention)", "我 喜欢 猫 -> i like cats", {"我", "喜欢", "猫", "</s>"},
       {"i", "like", "cats", "</s>"},
       {{0.91, 0.04, 0.03, 0.02}, {0.05, 0.85, 0.05, 0.05}, {0.02, 0.08, 0.88, 0.02}, {0.1, 0.1, 0.1, 0.7}}},
      {"decoder layer 1, head 2 (cross-attention)", "我 喜欢 猫 -> i like cats", {"我", "喜欢", "猫", "</s>"},
       {"i", "like", "cats", "</s>"},
       {{0.25, 0.25, 0.25, 0.25}, {0.7, 0.1, 0.1, 0.1}, {0.1, 0.1, 0.1, 0.7}, {0.4, 0.3, 0.2, 0.1}}},
      {"encoder layer 2, head 1 (self-attention)", "Zürich <b> & \"quotes\"", {"Zürich", "<b>", "&", "\"quotes\"", "東京"},
       {"Zürich", "<b>", "&", "\"quotes\"", "東京"},
       {{0.6, 0.1, 0.1, 0.1, 0.1},
        {0.2, 0.2, 0.2, 0.2, 0.2},
        {0.0, 0.0, 1.0, 0.0, 0.0},
        {0.3, 0.3, 0.1, 0.2, 0.1},
        {0.05, 0.05, 0.1, 0.3, 0.5}}}};
  try {
    prepare_report_dir(argv[1]);
    write_report(argv[1], d);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "focus_make_report: %s\n", e.what());
    return 1;
  }
  return 0;
}
