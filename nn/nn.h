// Everything in focus::nn: the Module base, layers, norms, attention, position schemes, Transformer,
// losses, initialisers.
#pragma once

#include <focus/nn/activation.h>
#include <focus/nn/attention.h>
#include <focus/nn/container.h>
#include <focus/nn/dropout.h>
#include <focus/nn/embedding.h>
#include <focus/nn/init.h>
#include <focus/nn/layer_norm.h>
#include <focus/nn/linear.h>
#include <focus/nn/loss.h>
#include <focus/nn/module.h>
#include <focus/nn/positional.h>
#include <focus/nn/alibi.h>
#include <focus/nn/xl_positions.h>
#include <focus/nn/linformer.h>
#include <focus/nn/relative_position.h>
#include <focus/nn/rms_norm.h>
#include <focus/nn/rope.h>
#include <focus/nn/norm.h>
#include <focus/nn/positions.h>
#include <focus/nn/transformer_block.h>
#include <focus/nn/transformer.h>
#include <focus/nn/decoding.h>
#include <focus/nn/sampling.h>
#include <focus/nn/gpt.h>
#include <focus/nn/batch_norm.h>
#include <focus/nn/conv.h>
#include <focus/nn/pooling.h>
#include <focus/nn/grid_positions.h>
#include <focus/nn/vision_transformer.h>
