// Motion VAE (prior motion distillation decoder) and the two generators that end in its decoder.
#include "model/modules.h"
#include "motion/error.h"

namespace e2m::model {

namespace {

torch::nn::Conv1d conv(int in, int out, int kernel, int stride = 1) {
  return torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, kernel)
                               .stride(stride)
                               .padding(kernel / 2)
                               .padding_mode(torch::kReplicate));
}

}  // namespace

// ---- VAE ----

MotionVaeEncoderImpl::MotionVaeEncoderImpl(const ModelConfig& config) {
  const auto& v = config.vae;
  int in = config.motion_dim;
  for (int level = 0; level < 3; ++level) {  // 3 stride-2 layers: T -> T / 8
    body_->push_back(conv(in, v.hidden, v.kernel, 2));
    body_->push_back(torch::nn::GELU());
    for (int r = 0; r < v.res_blocks; ++r) body_->push_back(ResConv1d(v.hidden, v.kernel, TimePad::centred));
    in = v.hidden;
  }
  register_module("body", body_);
  mu_ = register_module("mu", torch::nn::Conv1d(torch::nn::Conv1dOptions(v.hidden, v.latent, 1)));
  logvar_ = register_module("logvar", torch::nn::Conv1d(torch::nn::Conv1dOptions(v.hidden, v.latent, 1)));
}

std::pair<torch::Tensor, torch::Tensor> MotionVaeEncoderImpl::forward(const torch::Tensor& motion) {
  if (motion.dim() != 3 || motion.size(1) % kTemporalDownsample != 0)
    throw Error("motion VAE: expected motion (B, T, 269) with T a multiple of 8, got T = " +
                std::to_string(motion.dim() == 3 ? motion.size(1) : -1));
  auto h = body_->forward(motion.transpose(1, 2));
  return {mu_(h).transpose(1, 2), logvar_(h).transpose(1, 2)};
}

MotionVaeDecoderImpl::MotionVaeDecoderImpl(const ModelConfig& config) {
  const auto& v = config.vae;
  body_->push_back(conv(v.latent, v.hidden, v.kernel));
  for (int level = 0; level < 3; ++level) {  // symmetric: T / 8 -> T
    body_->push_back(torch::nn::Upsample(
        torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0}).mode(torch::kNearest)));
    body_->push_back(conv(v.hidden, v.hidden, v.kernel));
    body_->push_back(torch::nn::GELU());
    for (int r = 0; r < v.res_blocks; ++r) body_->push_back(ResConv1d(v.hidden, v.kernel, TimePad::centred));
  }
  body_->push_back(conv(v.hidden, config.motion_dim, v.kernel));
  register_module("body", body_);
}

torch::Tensor MotionVaeDecoderImpl::forward(const torch::Tensor& latent) {
  return body_->forward(latent.transpose(1, 2)).transpose(1, 2);
}

MotionVaeImpl::MotionVaeImpl(const ModelConfig& config) {
  encoder = register_module("encoder", MotionVaeEncoder(config));
  decoder = register_module("decoder", MotionVaeDecoder(config));
}

VaeOutput MotionVaeImpl::forward(const torch::Tensor& motion) {
  auto [mu, logvar] = encoder(motion);
  auto z = mu;
  if (is_training()) z = mu + torch::randn_like(mu) * torch::exp(0.5 * logvar);
  return {decoder(z), mu, logvar};
}

void copy_decoder(const MotionVaeDecoder& from, MotionVaeDecoder& to) {
  torch::NoGradGuard no_grad;
  auto src = from->named_parameters(true);
  auto dst = to->named_parameters(true);
  if (src.size() != dst.size()) throw Error("copy_decoder: the two VAE decoders have different layouts");
  for (auto& item : dst) {
    const torch::Tensor* s = src.find(item.key());
    if (!s || !s->sizes().equals(item.value().sizes()))
      throw Error("copy_decoder: decoder tensor '" + item.key() + "' differs in shape (VAE config mismatch)");
    item.value().copy_(*s);
  }
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters(true)) n += p.numel();
  return n;
}

// ---- Text2Motion ----

Text2MotionImpl::Text2MotionImpl(const ModelConfig& config) : cfg_(config) {
  cfg_.validate();
  adapter = register_module("adapter", TextInputAdapter(cfg_));
  qa = register_module("qa", QueryAwareAutoencoder(cfg_.qa));
  output_query = register_parameter(
      "output_query", torch::randn({cfg_.text.max_frames / kTemporalDownsample, cfg_.qa.dim}) * 0.02);
  out = register_module("out", OutputAdapter(cfg_));
  decoder = register_module("decoder", MotionVaeDecoder(cfg_));
}

torch::Tensor Text2MotionImpl::latent(const TextInput& text, int frames) {
  if (frames < 1 || frames > cfg_.text.max_frames)
    throw Error("text2motion: " + std::to_string(frames) + " frames requested, this model makes 1.." +
                std::to_string(cfg_.text.max_frames));
  const int64_t codes = cfg_.codes_for_frames(frames);
  auto adapted = adapter(text);
  auto lat = qa->encode(adapted);
  auto oq = output_query.slice(0, 0, codes).unsqueeze(0).expand({adapted.size(0), codes, cfg_.qa.dim});
  return out(qa->decode(lat, oq));
}

torch::Tensor Text2MotionImpl::forward(const TextInput& text, int frames) {
  return decoder(latent(text, frames)).slice(1, 0, frames);
}

// ---- Music2Dance ----

Music2DanceImpl::Music2DanceImpl(const ModelConfig& config) : cfg_(config) {
  cfg_.validate();
  adapter = register_module("adapter", MusicInputAdapter(cfg_));
  qa = register_module("qa", QueryAwareAutoencoder(cfg_.qa));
  provider = register_module("provider", MotionQueryProvider(cfg_));
  out = register_module("out", OutputAdapter(cfg_));
  decoder = register_module("decoder", MotionVaeDecoder(cfg_));
}

torch::Tensor Music2DanceImpl::encode_audio(const torch::Tensor& audio, const torch::Tensor& genre_onehot) {
  return qa->encode(adapter(audio, genre_onehot));
}

torch::Tensor Music2DanceImpl::decode_chunk(const torch::Tensor& encoded_audio,
                                            const torch::Tensor& prev_motion) {
  return decode_query(encoded_audio, provider(prev_motion));
}

torch::Tensor Music2DanceImpl::decode_query(const torch::Tensor& encoded_audio,
                                            const torch::Tensor& output_query) {
  return out(qa->decode(encoded_audio, output_query));
}

torch::Tensor Music2DanceImpl::latent(const torch::Tensor& audio, const torch::Tensor& genre_onehot,
                                      const torch::Tensor& prev_motion) {
  return decode_chunk(encode_audio(audio, genre_onehot), prev_motion);
}

torch::Tensor Music2DanceImpl::decode_motion(const torch::Tensor& latent) {
  auto frames = decoder(latent);
  return frames.slice(1, frames.size(1) - cfg_.music.chunk_frames);
}

torch::Tensor Music2DanceImpl::forward(const torch::Tensor& audio, const torch::Tensor& genre_onehot,
                                       const torch::Tensor& prev_motion) {
  return decode_motion(latent(audio, genre_onehot, prev_motion));
}

torch::Tensor Music2DanceImpl::genre_onehot(std::string_view genre) const {
  auto g = torch::zeros({1, cfg_.genre_count()});
  g.index_put_({0, cfg_.music.genre_index(genre)}, 1.0f);
  return g;
}

}  // namespace e2m::model
