// The translate commands: train (train.cpp), eval and run (commands.cpp). Each declares its
// flags on args, so `translate <command> --help` lists exactly what it takes.
#pragma once

#include <focus/cli/args.h>

namespace translate {

int train_command(focus::cli::Args& args);
int eval_command(focus::cli::Args& args);
int run_command(focus::cli::Args& args);

}  // namespace translate
