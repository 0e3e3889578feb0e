// translate: train an encoder-decoder Transformer on a toy translation task, evaluate it, and
// translate with it. The whole program is focus: tensors, autograd, nn, optim, checkpoints.
//   translate train --task zh-en --save model.st --plots plots/
//   translate eval  --load model.st --task zh-en
//   translate run   --load model.st 我爱学习编程
//   translate export --load model.st --to torch model.torch.st   (and import: torch_layout.h)
// Exit status: 0 success, 1 bad data or checkpoint, 2 usage error, 130 / 143 training stopped by
// Ctrl-C / SIGTERM (after saving to --save).
#include "commands.h"
#include "torch_layout.h"

#include <focus/cli/args.h>
#include <focus/cli/guarded_main.h>
#include <focus/cli/stop_signal.h>
#ifdef FOCUS_EXAMPLE_WITH_MPI
#include <focus/distributed/mpi/mpi_communicator.h>
#endif

#include <iostream>

namespace {

const char* kUsage =
    "usage: translate <command> [flags]\n"
    "commands:\n"
    "  train   train a model on a task (--task) or on files (--train, --test)\n"
    "  eval    score a saved model on a task's test split or a test file\n"
    "  run     translate sentences given as arguments, or one per line on stdin\n"
    "  export  write a model's weights in PyTorch's names (--to torch FILE)\n"
    "  import  make a model from PyTorch weights (--from-torch FILE --save MODEL)\n"
    "run 'translate <command> --help' for the flags of each.\n";

int run(int argc, char** argv) {
  return focus::cli::guarded_main("translate", [&] {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
      std::cout << kUsage;
      return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    focus::cli::Args args(argc, argv, 2);
    if (command == "train") return translate::train_command(args);
    if (command == "eval") return translate::eval_command(args);
    if (command == "run") return translate::run_command(args);
    if (command == "export") return translate::export_command(args);
    if (command == "import") return translate::import_command(args);
    std::cerr << "translate: unknown command '" << command << "' (train, eval, run, export or import)\n";
    return 2;
  });
}

}  // namespace

int main(int argc, char** argv) {
#ifdef FOCUS_EXAMPLE_WITH_MPI
  // Under mpirun every rank runs this program; train then splits each batch across them.
  focus::distributed::MpiSession mpi(argc, argv);
  const int status = run(argc, argv);
  // A stop on Ctrl-C or SIGTERM is one the ranks agreed on (rank 0 has saved): end MPI normally.
  if (focus::cli::is_stop_exit_status(status)) {
    mpi.finish(0);
    return status;
  }
  return mpi.finish(status);
#else
  return run(argc, argv);
#endif
}
