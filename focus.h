// The umbrella header: #include <focus/focus.h> brings in all of focus.
// Tensors and kernels (tensor/), autograd and the differentiable ops (autograd/), layers (nn/),
// optimizers and schedules (optim/), safetensors checkpoints (io/). Task data, text, metrics and
// plots (data/, text/, metrics/, plot/) have their own headers.
#pragma once

#include <focus/tensor/dtype.h>
#include <focus/tensor/error.h>
#include <focus/tensor/factory.h>
#include <focus/tensor/random.h>
#include <focus/tensor/shape.h>
#include <focus/tensor/state_dict.h>
#include <focus/tensor/tensor.h>
#include <focus/tensor/precision.h>
#include <focus/tensor/threads.h>

#include <focus/autograd/anomaly.h>
#include <focus/autograd/engine.h>
#include <focus/autograd/function.h>
#include <focus/autograd/gradcheck.h>
#include <focus/autograd/graphviz.h>
#include <focus/autograd/grad_mode.h>
#include <focus/autograd/node.h>
#include <focus/autograd/ops_elementwise.h>
#include <focus/autograd/ops_attention.h>
#include <focus/autograd/ops_conv.h>
#include <focus/autograd/ops_pool.h>
#include <focus/autograd/ops_matmul.h>
#include <focus/autograd/ops_nn.h>
#include <focus/autograd/ops_reduce.h>
#include <focus/autograd/ops_shape.h>

#include <focus/nn/nn.h>

#include <focus/optim/adam.h>
#include <focus/optim/clip.h>
#include <focus/optim/optimizer.h>
#include <focus/optim/schedule.h>
#include <focus/optim/sgd.h>

#include <focus/io/safetensors.h>
#include <focus/io/torch_interop.h>

#include <focus/distributed/data_parallel.h>
