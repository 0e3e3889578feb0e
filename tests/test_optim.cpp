// Optimizers, gradient clipping and learning-rate schedules: the first steps against PyTorch's
// numbers, convergence on least squares, state save/restore (bit for bit, through a safetensors
// checkpoint), and the error messages.
#include <doctest/doctest.h>
#include <focus/focus.h>
#include <focus/io/safetensors.h>
#include <focus/optim/adam.h>
#include <focus/optim/clip.h>
#include <focus/optim/schedule.h>
#include <focus/optim/sgd.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>

using namespace focus;
using namespace focus::optim;

namespace {

// Parameters (a row-major, then b) after each step.
using Trajectory = std::vector<std::vector<double>>;

// ---- reference numbers: printed by tests/reference/optim_ref.py (torch 1.13, float64 unless named) ----
// SgdPlain
const Trajectory kSgdPlain = {
    {0.3, -0.6, 1.15, -0.10000000000000002, -0.63, 1.72, -0.32000000000000006},
    {0.13999999999999996, -0.2799999999999999, 0.8699999999999999, -0.38, -0.534, 1.496, -0.656},
    {0.01199999999999997, -0.02399999999999994, 0.6459999999999999, -0.6040000000000001, -0.45720000000000005, 1.3168, -0.9248000000000001},
    {-0.09040000000000004, 0.18080000000000007, 0.46679999999999994, -0.7832000000000001, -0.39576000000000006, 1.17344, -1.13984},
    {-0.17232000000000003, 0.34464000000000006, 0.32343999999999995, -0.92656, -0.346608, 1.058752, -1.311872},
};

// SgdMomentum
const Trajectory kSgdMomentum = {
    {0.4, -0.8, 1.325, 0.07499999999999998, -0.69, 1.86, -0.11000000000000001},
    {0.229, -0.458, 1.02575, -0.22425000000000006, -0.5873999999999999, 1.6206, -0.4691000000000001},
    {0.009489999999999991, -0.018979999999999983, 0.6416074999999999, -0.6083925000000001, -0.45569399999999993, 1.313286, -0.9300710000000002},
    {-0.23392310000000005, 0.4678462000000001, 0.21563457499999983, -1.0343654250000003, -0.30964613999999996, 0.9725076599999999, -1.4412385100000003},
    {-0.47694181100000005, 0.9538836220000001, -0.2096481692500002, -1.4596481692500003, -0.16383491339999998, 0.6322814645999998, -1.9515778031000004},
};

// SgdNesterov
const Trajectory kSgdNesterov = {
    {0.31, -0.62, 1.1675, -0.08250000000000003, -0.636, 1.734, -0.29900000000000004},
    {0.07509999999999996, -0.15019999999999992, 0.756425, -0.493575, -0.49506, 1.40514, -0.79229},
    {-0.17267900000000003, 0.34535800000000005, 0.32281174999999995, -0.92718825, -0.34639259999999994, 1.0582494, -1.3126259},
    {-0.40611209000000004, 0.8122241800000001, -0.0856961575000001, -1.3356961575000001, -0.20633274599999993, 0.731443074, -1.802835389},
    {-0.6045816839, 1.2091633678, -0.43301794682500017, -1.6830179468250002, -0.0872509896599999, 0.4535856425399999, -2.21962153619},
};

// SgdWeightDecay
const Trajectory kSgdWeightDecay = {
    {0.3975, -0.795, 1.3175, 0.07375, -0.68625, 1.85, -0.1105},
    {0.25451250000000003, -0.5090250000000001, 1.0629125, -0.17211875000000001, -0.59731875, 1.6407500000000002, -0.4041475},
    {0.10629493750000002, -0.21258987500000004, 0.7990129374999999, -0.42698065625000003, -0.50513465625, 1.4238462500000002, -0.7085357624999999},
    {-0.028974812187499973, 0.057949624374999946, 0.5581667978124999, -0.65957864046875, -0.42100347046875, 1.2258905187500002, -0.9863336386874999},
    {-0.14356733175156247, 0.28713466350312494, 0.3541362141984374, -0.8566218753289062, -0.34973251317890625, 1.05819414865625, -1.2216675447190624},
};

// Adam
const Trajectory kAdam = {
    {0.4000000005, -0.9000000002499999, 1.4000000002857143, 0.1500000002857143, -0.6500000008333333, 1.900000000357143, 2.380952379699153e-10},
    {0.30041222869179285, -0.8001664861157011, 1.300196489808013, 0.05019648980801296, -0.5508827142603817, 1.8002614701421629, -0.09984315453569496},
    {0.20158627294603026, -0.7006233920464652, 1.2007384002451225, -0.049261599754877594, -0.45354162815801913, 1.7009900256841215, -0.19941339861361174},
    {0.10393906057374605, -0.601504895289421, 1.1017891601069658, -0.14821083989303419, -0.35918309662811815, 1.6024175801027352, -0.2985856310688686},
    {0.007963659264342005, -0.5029557812950121, 1.0035274479567988, -0.24647255204320112, -0.26938149492454544, 1.5048044840038977, -0.39722544534056403},
};

// AdamL2Amsgrad
const Trajectory kAdamL2Amsgrad = {
    {0.400000048780464, -0.900000024390238, 1.4000000273972528, 0.1500000283687863, -0.650000078431311, 1.9000000333333222, 2.375296347112421e-08},
    {0.30046205964141337, -0.8001884313687875, 1.30021731259087, 0.050226924042682114, -0.5509282962455896, 1.8002782130692736, -0.09981752254871895},
    {0.20178044009491297, -0.7007042144063594, 1.2008149791132565, -0.04914800248343512, -0.4537337114581166, 1.7010508299037082, -0.19931853103715072},
    {0.10443162797131943, -0.601696034343219, 1.101970085054881, -0.14793791402349027, -0.35973819126450846, 1.6025596675780311, -0.2983600103785447},
    {0.00899160221419934, -0.50332199663949, 1.0038739708173745, -0.24593985493552406, -0.27233139007072854, 1.5050744062181893, -0.39679039761094875},
};

// AdamW
const Trajectory kAdamW = {
    {0.3950000005, -0.8900000002499999, 1.3850000002857141, 0.1475000002857143, -0.6425000008333333, 1.8800000003571429, -0.000999999761904763},
    {0.2914915844890452, -0.7812873171421818, 1.2713846710457022, 0.04622768716405108, -0.5370661934556707, 1.7615332951638858, -0.100831240718781},
    {0.18983029448835673, -0.6739870510232675, 1.1593178261726744, -0.05367862047431484, -0.4346904137522478, 1.6448504832576125, -0.1993904980407965},
    {0.09043518908167836, -0.5682331503519527, 1.0489786185481587, -0.1520699628027369, -0.33671279149257655, 1.5302367608216931, -0.29656879517225776},
    {-0.006204763159779025, -0.464168424780281, 0.9405620567887897, -0.24878666919322578, -0.2448698488140418, 1.4180146953363915, -0.3922515679366064},
};

// AdamWGroups
const Trajectory kAdamWGroups = {
    {0.3950000005, -0.8900000002499999, 1.3850000002857141, 0.1475000002857143, -0.7000000004166667, 1.9500000001785713, 0.05000000011904762},
    {0.2914915844890452, -0.7812873171421818, 1.2713846710457022, 0.04622768716405108, -0.6501604194374303, 1.9000556476389494, 3.5031185985932856e-05},
    {0.18983029448835673, -0.6739870510232675, 1.1593178261726744, -0.05367862047431484, -0.6006114108818653, 1.85020693896133, -0.04987042227438335},
    {0.09043518908167836, -0.5682331503519527, 1.0489786185481587, -0.1520699628027369, -0.5515032198634686, 1.8004960555822092, -0.0996910713462843},
    {-0.006204763159779025, -0.464168424780281, 0.9405620567887897, -0.24878666919322578, -0.5030082616087601, 1.7509673581141338, -0.14940086270902442},
};

// AdamFloat32
const Trajectory kAdamFloat32 = {
    {0.4000000059604645, -0.9000000357627869, 1.399999976158142, 0.15000000596046448, -0.6500000357627869, 1.899999976158142, 1.4901161193847656e-08},
    {0.30041223764419556, -0.8001665472984314, 1.3001964092254639, 0.05019649118185043, -0.5508827567100525, 1.8002614974975586, -0.09984313696622849},
    {0.2015862762928009, -0.7006234526634216, 1.2007383108139038, -0.04926159232854843, -0.45354169607162476, 1.700990080833435, -0.19941335916519165},
    {0.10393906384706497, -0.6015049815177917, 1.101789116859436, -0.1482108235359192, -0.3591831624507904, 1.6024175882339478, -0.29858559370040894},
    {0.007963664829730988, -0.5029558539390564, 1.0035274028778076, -0.2464725375175476, -0.2693815529346466, 1.5048044919967651, -0.39722540974617004},
};

// SgdClip
const Trajectory kSgdClip = {
    {0.4763342636809892, -0.9526685273619784, 1.458584961441731, 0.20858496144173108, -0.7358005582085935, 1.9668679691533848, 0.050301953730077315},
    {0.43136936474274706, -0.8627387294854941, 1.3798963882998072, 0.12989638829980732, -0.7088216188456482, 1.9039171106398458, -0.044124334040231195},
    {0.3672352195856691, -0.7344704391713383, 1.2676616342749207, 0.017661634274920884, -0.6703411317514014, 1.8141293074199367, -0.1788060388700949},
    {0.28584875305399066, -0.5716975061079813, 1.1252353178444834, -0.12476468215551645, -0.6215092518323944, 1.7001882542755868, -0.3497176185866197},
    {0.1889351976195872, -0.3778703952391744, 0.9556365958342773, -0.29436340416572254, -0.5633611185717523, 1.564509276667422, -0.553236084998867},
};
const std::vector<double> kSgdClipNorms = {8.45103543951864, 8.251035463184374, 7.871035508722917, 7.329035575117218, 6.641235662160806};

// AdamClipInf
const Trajectory kAdamClipInf = {
    {0.4000000008400002, -0.9000000004200001, 1.4000000004800002, 0.15000000048000012, -0.6500000014000004, 1.9000000006000002, 4.0000010248508744e-10},
    {0.30018731838535295, -0.8000066037636762, 1.3000274599552843, 0.05002745995528421, -0.5505682857753762, 1.8000739960737009, -0.09999999916896854},
    {0.20073771966526785, -0.700025161521854, 1.2001050923664125, -0.049894907633587546, -0.452353353023791, 1.7002857902642405, -0.19999999868186918},
    {0.10188173380360163, -0.6000619106412559, 1.1002598102835763, -0.14974018971642378, -0.356345309849694, 1.6007135613134829, -0.2999999981095765},
    {0.003924343789318774, -0.5001241567847309, 1.0005236873155052, -0.24947631268449497, -0.26404910506251655, 1.5014537937455767, -0.3999999974180055},
};
const std::vector<double> kAdamClipInfNorms = {4.2, 4.0000000008, 3.8000000016620628, 3.6000000026362615, 3.400000003780847};

// AdamClipL1
const Trajectory kAdamClipL1 = {
    {0.40000000353333337, -0.9000000017666667, 1.4000000020190477, 0.15000000201904767, -0.6500000058888888, 1.9000000025238095, 1.6825397741726533e-09},
    {0.3001136736555479, -0.7999592502617782, 1.2999764206247546, 0.04997642062475462, -0.5504580950105846, 1.800015512548184, -0.10004612957220665},
    {0.20045119230355496, -0.6998442731967303, 1.1999095173555328, -0.05009048264446714, -0.45192004202832187, 1.700060404754389, -0.20017602548855712},
    {0.10116240020568529, -0.5996157597388715, 1.0997758284217416, -0.1502241715782583, -0.35526209013955834, 1.6001525165282586, -0.30043365227985863},
    {0.0024553163115187127, -0.4992275090621718, 0.9995475380087453, -0.25045246199125454, -0.2619103569406266, 1.5003154455186363, -0.40087042291559194},
};
const std::vector<double> kAdamClipL1Norms = {21.2, 19.800000038866667, 18.400906486306795, 17.00383784301101, 15.610621542351996};

// StepLR
const Trajectory kStepLR = {
    {0.3, -0.6, 1.15, -0.10000000000000002, -0.63, 1.72, -0.32000000000000006},
    {0.13999999999999996, -0.2799999999999999, 0.8699999999999999, -0.38, -0.534, 1.496, -0.656},
    {0.07599999999999997, -0.15199999999999994, 0.7579999999999999, -0.49200000000000005, -0.49560000000000004, 1.4064, -0.7904},
    {0.018399999999999972, -0.036799999999999944, 0.6571999999999999, -0.5928000000000001, -0.46104000000000006, 1.32576, -0.91136},
    {-0.007520000000000028, 0.015040000000000057, 0.6118399999999999, -0.6381600000000001, -0.44548800000000005, 1.289472, -0.965792},
};
const std::vector<double> kStepLRLrs = {0.1, 0.1, 0.05, 0.05, 0.025, 0.025};

// CosineLR
const Trajectory kCosineLR = {
    {0.3, -0.6, 1.15, -0.10000000000000002, -0.63, 1.72, -0.32000000000000006},
    {0.16108831175456856, -0.3221766235091371, 0.9069045455704949, -0.343095454429505, -0.5466529870527411, 1.525523636456396, -0.611714545315406},
    {0.08836859746156601, -0.17673719492313203, 0.7796450455577405, -0.47035495444225944, -0.5030211584769396, 1.4237160364461925, -0.7644259453307114},
    {0.06109159999999998, -0.12218319999999996, 0.7319102999999999, -0.5180897, -0.48665496, 1.38552824, -0.8217076400000001},
    {0.04986976799999998, -0.09973953599999996, 0.7122720939999999, -0.537727906, -0.47992186080000004, 1.3698176752, -0.8452734872000001},
};
const std::vector<double> kCosineLRLrs = {0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01, 0.023180194846605363};

// LinearWarmup
const Trajectory kLinearWarmup = {
    {0.45, -0.9, 1.4125, 0.1625, -0.72, 1.93, -0.0050000000000000044},
    {0.35500000000000004, -0.7100000000000001, 1.24625, -0.0037500000000000124, -0.6629999999999999, 1.797, -0.20450000000000002},
    {0.22675000000000003, -0.45350000000000007, 1.0218125, -0.22818750000000007, -0.58605, 1.6174499999999998, -0.47382500000000005},
    {0.08140000000000003, -0.16280000000000006, 0.76745, -0.4825500000000001, -0.49883999999999995, 1.4139599999999999, -0.7790600000000001},
    {-0.03487999999999999, 0.06975999999999997, 0.5639599999999999, -0.6860400000000001, -0.42907199999999995, 1.2511679999999998, -1.0232480000000002},
};
const std::vector<double> kLinearWarmupLrs = {0.025, 0.05, 0.07500000000000001, 0.1, 0.1, 0.1};

// NoamLR
const Trajectory kNoamLR = {
    {0.30754991027012474, -0.6150998205402495, 1.1632123429727184, -0.08678765702728171, -0.6345299461620748, 1.7305698743781746, -0.3041451884327381},
    {-0.0032761951155516854, 0.006552390231103371, 0.6192666585477845, -0.6307333414522155, -0.44803428293066894, 1.2954133268382275, -0.9568800097426586},
    {-0.29005981757848304, 0.5801196351569661, 0.11739531923765464, -1.1326046807623453, -0.27596410945291017, 0.8939162553901236, -1.5591256169148144},
    {-0.3950299087892415, 0.790059817578483, -0.06630234038117269, -1.3163023403811727, -0.2129820547264551, 0.7469581276950619, -1.779562808457407},
    {-0.44197396069956335, 0.8839479213991267, -0.14845443122423588, -1.398454431224236, -0.184815623580262, 0.6812364550206113, -1.878145317469083},
};
const std::vector<double> kNoamLRLrs = {0.09622504486493763, 0.19245008972987526, 0.28867513459481287, 0.25, 0.22360679774997896, 0.2041241452319315};

// LambdaLR
const Trajectory kLambdaLR = {
    {0.3, -0.6, 1.15, -0.10000000000000002, -0.63, 1.72, -0.32000000000000006},
    {0.17199999999999996, -0.3439999999999999, 0.9259999999999999, -0.32400000000000007, -0.5532, 1.5408, -0.5888000000000001},
    {0.08598399999999995, -0.1719679999999999, 0.7754719999999999, -0.4745280000000001, -0.5015904, 1.4203776, -0.7694336000000002},
    {0.025979238399999934, -0.05195847679999987, 0.6704636672, -0.5795363328000002, -0.46558754304, 1.3363709337599998, -0.8954435993600002},
    {-0.017108980809728072, 0.034217961619456144, 0.5950592835829759, -0.6549407164170241, -0.4397346115141632, 1.2760474268663806, -0.985928859700429},
};
const std::vector<double> kLambdaLRLrs = {0.1, 0.08000000000000002, 0.06400000000000002, 0.051200000000000016, 0.04096000000000001, 0.03276800000000001};

// ---- the problem of optim_ref.py -----------------------------------------------------------------

// a [2, 2] and b [3] with loss = sum(a * ca) + sum(a^2) + sum(b * cb) + sum(b^2), so that
// da = ca + 2a and db = cb + 2b, recomputed by backward at every step.
struct Problem {
  Tensor a, b, ca, cb;

  explicit Problem(DType dt = kFloat64) {
    a = tensor(std::vector<double>{0.5, -1.0, 1.5, 0.25}, {2, 2}).to(dt).requires_grad_();
    b = tensor(std::vector<double>{-0.75, 2.0, 0.1}).to(dt).requires_grad_();
    ca = tensor(std::vector<double>{1.0, -2.0, 0.5, 3.0}, {2, 2}).to(dt);
    cb = tensor(std::vector<double>{0.3, -1.2, 4.0}).to(dt);
  }
  NamedParams params() const { return {{"a", a}, {"b", b}}; }
  void backward() const {
    a.zero_grad();
    b.zero_grad();
    Tensor loss = (a * ca).sum() + (a * a).sum() + (b * cb).sum() + (b * b).sum();
    loss.backward();
  }
  std::vector<double> values() const {
    std::vector<double> v = a.to_vector<double>();
    for (double x : b.to_vector<double>()) v.push_back(x);
    return v;
  }
};

// Runs steps of opt on problem, with clip_grad_norm when clip is given and sched stepped after
// opt; returns the trajectory and fills norms and lrs (the lr at construction, then after each step).
struct Run {
  Trajectory trajectory;
  std::vector<double> norms, lrs;
};
struct Clip {
  double max_norm, norm_type;
};
Run run(const Problem& problem, Optimizer& opt, int steps, const Clip* clip = nullptr, LRScheduler* sched = nullptr) {
  Run r;
  if (sched) r.lrs.push_back(sched->get_last_lr());
  for (int s = 0; s < steps; ++s) {
    problem.backward();
    if (clip) r.norms.push_back(clip_grad_norm(problem.params(), clip->max_norm, clip->norm_type));
    opt.step();
    if (sched) {
      sched->step();
      r.lrs.push_back(sched->get_last_lr());
    }
    r.trajectory.push_back(problem.values());
  }
  return r;
}

// Largest |got - want| over every step and element, reported with where it happened.
void check_close(const Trajectory& got, const Trajectory& want, double tol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  std::size_t worst_step = 0, worst_i = 0;
  for (std::size_t s = 0; s < want.size(); ++s) {
    REQUIRE(got[s].size() == want[s].size());
    for (std::size_t i = 0; i < want[s].size(); ++i)
      if (const double d = std::abs(got[s][i] - want[s][i]); d > worst) {
        worst = d;
        worst_step = s;
        worst_i = i;
      }
  }
  INFO("max |focus - torch| = " << worst << " at step " << worst_step + 1 << ", element " << worst_i << " (focus "
                                << got[worst_step][worst_i] << ", torch " << want[worst_step][worst_i] << ")");
  CHECK(worst <= tol);
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  Trajectory g, w;
  for (double x : got) g.push_back({x});
  for (double x : want) w.push_back({x});
  check_close(g, w, tol);
}

constexpr double kTol64 = 1e-13;  // focus and torch differ by an ulp or two (summation order, FMA)
constexpr int kSteps = 5;

}  // namespace

// ---- against torch -------------------------------------------------------------------------------

TEST_CASE("optim: plain SGD matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  check_close(run(p, opt, kSteps).trajectory, kSgdPlain, kTol64);
}

TEST_CASE("optim: SGD with momentum and dampening matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.05, .momentum = 0.9, .dampening = 0.1});
  check_close(run(p, opt, kSteps).trajectory, kSgdMomentum, kTol64);
}

TEST_CASE("optim: SGD with nesterov momentum matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.05, .momentum = 0.9, .nesterov = true});
  check_close(run(p, opt, kSteps).trajectory, kSgdNesterov, kTol64);
}

TEST_CASE("optim: SGD with weight decay matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.05, .momentum = 0.5, .weight_decay = 0.1});
  check_close(run(p, opt, kSteps).trajectory, kSgdWeightDecay, kTol64);
}

TEST_CASE("optim: Adam matches torch") {
  Problem p;
  Adam opt(p.params(), {.lr = 0.1});
  check_close(run(p, opt, kSteps).trajectory, kAdam, kTol64);
}

TEST_CASE("optim: Adam with L2 weight decay and amsgrad matches torch") {
  Problem p;
  Adam opt(p.params(), {.lr = 0.1, .betas = {0.8, 0.9}, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = true});
  check_close(run(p, opt, kSteps).trajectory, kAdamL2Amsgrad, kTol64);
}

TEST_CASE("optim: AdamW (decoupled weight decay) matches torch") {
  Problem p;
  AdamW opt(p.params(), {.lr = 0.1, .weight_decay = 0.1});
  check_close(run(p, opt, kSteps).trajectory, kAdamW, kTol64);
}

TEST_CASE("optim: param groups keep their own lr and weight decay, as torch") {
  Problem p;
  AdamW opt(NamedParams{{"a", p.a}}, {.lr = 0.1, .weight_decay = 0.1});
  opt.add_param_group({.params = {{"b", p.b}}, .lr = 0.05, .weight_decay = 0.0});
  REQUIRE(opt.param_groups().size() == 2);
  check_close(run(p, opt, kSteps).trajectory, kAdamWGroups, kTol64);
}

TEST_CASE("optim: Adam in float32 matches torch in float32") {
  Problem p(kFloat32);
  Adam opt(std::vector<Tensor>{p.a, p.b}, {.lr = 0.1});
  CHECK(p.a.dtype() == kFloat32);
  check_close(run(p, opt, kSteps).trajectory, kAdamFloat32, 1e-6);
}

TEST_CASE("optim: clip_grad_norm (2-norm) before SGD with momentum matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1, .momentum = 0.9});
  const Clip clip{1.0, 2.0};
  const Run r = run(p, opt, kSteps, &clip);
  check_close(r.norms, kSgdClipNorms, kTol64);
  check_close(r.trajectory, kSgdClip, kTol64);
}

TEST_CASE("optim: clip_grad_norm with the inf norm and the 1-norm matches torch") {
  const double inf = std::numeric_limits<double>::infinity();
  SUBCASE("inf norm") {
    Problem p;
    Adam opt(p.params(), {.lr = 0.1});
    const Clip clip{2.5, inf};
    const Run r = run(p, opt, kSteps, &clip);
    check_close(r.norms, kAdamClipInfNorms, kTol64);
    check_close(r.trajectory, kAdamClipInf, kTol64);
  }
  SUBCASE("1-norm") {
    Problem p;
    Adam opt(p.params(), {.lr = 0.1});
    const Clip clip{3.0, 1.0};
    const Run r = run(p, opt, kSteps, &clip);
    check_close(r.norms, kAdamClipL1Norms, kTol64);
    check_close(r.trajectory, kAdamClipL1, kTol64);
  }
}

TEST_CASE("optim: StepLR matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  StepLR sched(opt, 2, 0.5);
  const Run r = run(p, opt, kSteps, nullptr, &sched);
  check_close(r.lrs, kStepLRLrs, 1e-15);
  check_close(r.trajectory, kStepLR, kTol64);
}

TEST_CASE("optim: CosineAnnealingLR matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  CosineAnnealingLR sched(opt, 4, 0.01);
  const Run r = run(p, opt, kSteps, nullptr, &sched);
  check_close(r.lrs, kCosineLRLrs, 1e-15);
  check_close(r.trajectory, kCosineLR, kTol64);
}

TEST_CASE("optim: LinearWarmup matches torch's LinearLR") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  LinearWarmup sched(opt, 0.25, 3);
  const Run r = run(p, opt, kSteps, nullptr, &sched);
  check_close(r.lrs, kLinearWarmupLrs, 1e-15);
  check_close(r.trajectory, kLinearWarmup, kTol64);
}

TEST_CASE("optim: NoamLR matches the inverse-square-root formula run through torch's LambdaLR") {
  Problem p;
  SGD opt(p.params(), {.lr = 2.0});
  NoamLR sched(opt, 16, 3);
  const Run r = run(p, opt, kSteps, nullptr, &sched);
  check_close(r.lrs, kNoamLRLrs, 1e-15);
  check_close(r.trajectory, kNoamLR, kTol64);
  // The peak is at n = warmup: base / sqrt(d_model * warmup).
  CHECK(r.lrs[2] == doctest::Approx(2.0 / std::sqrt(16.0 * 3.0)).epsilon(1e-15));
}

TEST_CASE("optim: LambdaLR matches torch") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  LambdaLR sched(opt, [](std::int64_t epoch) { return std::pow(0.8, static_cast<double>(epoch)); });
  const Run r = run(p, opt, kSteps, nullptr, &sched);
  check_close(r.lrs, kLambdaLRLrs, 1e-15);
  check_close(r.trajectory, kLambdaLR, kTol64);
}

// ---- behaviour -------------------------------------------------------------------------------------

TEST_CASE("optim: parameters without a gradient are skipped") {
  Problem p;
  Tensor c = tensor(std::vector<double>{1.0, 2.0}).requires_grad_();
  Adam opt(NamedParams{{"a", p.a}, {"b", p.b}, {"c", c}}, {.lr = 0.1});
  run(p, opt, 2);
  CHECK(c.to_vector<double>() == std::vector<double>{1.0, 2.0});
  CHECK(opt.state("c") == nullptr);
  REQUIRE(opt.state("a") != nullptr);
  CHECK(opt.state("a")->step == 2);
  for (const auto& [key, value] : opt.state_dict()) CHECK(key.find("optim.c.") == std::string::npos);
}

TEST_CASE("optim: zero_grad sets gradients to none") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  p.backward();
  REQUIRE(p.a.grad().defined());
  opt.zero_grad();
  CHECK_FALSE(p.a.grad().defined());
  CHECK_FALSE(p.b.grad().defined());
  opt.step();  // nothing to do
  CHECK(p.values() == Problem().values());
}

TEST_CASE("optim: a non-contiguous parameter is updated like a contiguous one") {
  // w is the transpose of a [2, 2] buffer; grads of sum(w * c) + sum(w^2) are c + 2w either way.
  Tensor base = tensor(std::vector<double>{0.5, 1.5, -1.0, 0.25}, {2, 2});
  Tensor w = base.t().requires_grad_();
  Tensor w_ref = tensor(std::vector<double>{0.5, -1.0, 1.5, 0.25}, {2, 2}).requires_grad_();
  REQUIRE_FALSE(w.is_contiguous());
  const Tensor c = tensor(std::vector<double>{1.0, -2.0, 0.5, 3.0}, {2, 2});
  Adam opt(std::vector<Tensor>{w}, {.lr = 0.1});
  Adam opt_ref(std::vector<Tensor>{w_ref}, {.lr = 0.1});
  for (int s = 0; s < 3; ++s) {
    for (Tensor* t : {&w, &w_ref}) {
      t->zero_grad();
      ((*t * c).sum() + (*t * *t).sum()).backward();
    }
    opt.step();
    opt_ref.step();
  }
  CHECK(w.to_vector<double>() == w_ref.to_vector<double>());
  CHECK(base.t().to_vector<double>() == w_ref.to_vector<double>());  // written through the view
}

TEST_CASE("optim: a step bumps the parameter's version so saved tensors notice") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  const Tensor saved_a = (p.a * p.a).sum();  // mul saves a for its backward
  p.backward();
  const auto before = p.a.storage()->version();
  opt.step();
  CHECK(p.a.storage()->version() > before);
  CHECK_THROWS_WITH_AS(saved_a.backward(), doctest::Contains("modified in place by SGD.step"), AutogradError);
}

TEST_CASE("optim: least squares converges with Adam and with SGD with momentum") {
  // y = X [2, -3]^T + 0.5 exactly, so the minimum loss is 0. X [8, 2], w [2, 1], b [1].
  const Tensor X = tensor(std::vector<double>{1, 0, 0, 1, 1, 1, -1, 2, 0.5, -0.5, 2, 1, -1.5, -1, 0.3, 0.7}, {8, 2});
  const Tensor y = X.matmul(tensor(std::vector<double>{2, -3}, {2, 1})) + 0.5;
  auto fit = [&](auto make_opt, auto make_sched, int steps) {
    Tensor w = zeros({2, 1}, kFloat64).requires_grad_();
    Tensor b = zeros({1}, kFloat64).requires_grad_();
    auto opt = make_opt(NamedParams{{"w", w}, {"b", b}});
    auto sched = make_sched(*opt);
    double loss_value = 0;
    for (int s = 0; s < steps; ++s) {
      opt->zero_grad();
      const Tensor r = X.matmul(w) + b - y;
      Tensor loss = (r * r).mean();
      loss_value = loss.item<double>();
      loss.backward();
      opt->step();
      if (sched) sched->step();
    }
    std::ostringstream os;
    os << "final loss " << loss_value << ", w = " << w.at<double>({0, 0}) << ", " << w.at<double>({1, 0})
       << ", b = " << b.item<double>() << " (want 2, -3, 0.5)";
    return std::make_pair(loss_value, os.str());
  };
  SUBCASE("Adam with cosine annealing") {
    const auto [loss, summary] =
        fit([](NamedParams ps) { return std::make_unique<Adam>(ps, AdamOptions{.lr = 0.1}); },
            [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 300); }, 300);
    INFO(summary);
    CHECK(loss < 1e-8);
  }
  SUBCASE("SGD with momentum") {
    const auto [loss, summary] = fit(
        [](NamedParams ps) { return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.05, .momentum = 0.9}); },
        [](Optimizer&) { return std::unique_ptr<LRScheduler>(); }, 300);
    INFO(summary);
    CHECK(loss < 1e-12);
  }
}

// ---- state save and restore ------------------------------------------------------------------------

TEST_CASE("optim: state_dict names entries by parameter name") {
  Tensor w = tensor(std::vector<double>{1.0, 2.0}).requires_grad_();
  Adam opt(NamedParams{{"decoder.layers.1.linear1.weight", w}}, {.lr = 0.1, .amsgrad = true});
  CHECK(opt.state_dict().size() == 2);  // no state before the first step, only the group
  (w * w).sum().backward();
  opt.step();
  std::vector<std::string> keys;
  for (const auto& [key, value] : opt.state_dict()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"optim.param_groups.0.lr", "optim.param_groups.0.weight_decay",
                                         "optim.decoder.layers.1.linear1.weight.step",
                                         "optim.decoder.layers.1.linear1.weight.exp_avg",
                                         "optim.decoder.layers.1.linear1.weight.exp_avg_sq",
                                         "optim.decoder.layers.1.linear1.weight.max_exp_avg_sq"});
  const StateDict sd = opt.state_dict();
  CHECK(sd.entries()[2].second.dtype() == kInt64);
  CHECK(sd.entries()[2].second.item<std::int64_t>() == 1);
  CHECK(sd.entries()[0].second.dtype() == kFloat64);
  CHECK(sd.entries()[0].second.item<double>() == 0.1);
  CHECK(sd.entries()[3].second.shape() == w.shape());
}

TEST_CASE("optim: load_state_dict matches state by name, not position") {
  Problem p;
  Adam opt(p.params(), {.lr = 0.1});
  run(p, opt, 2);
  const StateDict saved = opt.state_dict();
  Adam reordered(NamedParams{{"b", p.b}, {"a", p.a}}, {.lr = 0.1});
  reordered.load_state_dict(saved);
  for (const char* name : {"a", "b"}) {
    REQUIRE(reordered.state(name) != nullptr);
    CHECK(reordered.state(name)->step == 2);
    for (const char* buf : {"exp_avg", "exp_avg_sq"})
      CHECK(reordered.state(name)->buffers.at(buf).to_vector<double>() ==
            opt.state(name)->buffers.at(buf).to_vector<double>());
  }
}

TEST_CASE("optim: a resumed run continues bit for bit, through a safetensors checkpoint") {
  using MakeOpt = std::function<std::unique_ptr<Optimizer>(const Problem&)>;
  using MakeSched = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;
  constexpr int kBefore = 3, kAfter = 4;
  auto check_resume = [&](const MakeOpt& make_opt, const MakeSched& make_sched) {
    Problem whole;
    auto opt = make_opt(whole);
    auto sched = make_sched(*opt);
    run(whole, *opt, kBefore + kAfter, nullptr, sched.get());

    Problem first;
    auto opt1 = make_opt(first);
    auto sched1 = make_sched(*opt1);
    run(first, *opt1, kBefore, nullptr, sched1.get());
    StateDict checkpoint = first.params();
    for (const auto& [name, t] : opt1->state_dict()) checkpoint.emplace(name, t);
    for (const auto& [name, t] : sched1->state_dict()) checkpoint.emplace(name, t);
    const std::vector<std::uint8_t> bytes = io::serialize_safetensors(checkpoint);
    const io::TensorFile file = io::parse_safetensors(bytes.data(), bytes.size(), "checkpoint");

    Problem second;  // fresh parameters, overwritten from the file as a model would load them
    {
      NoGradGuard no_grad;
      second.a.copy_(file.tensors.at("a"));
      second.b.copy_(file.tensors.at("b"));
    }
    auto opt2 = make_opt(second);
    auto sched2 = make_sched(*opt2);
    opt2->load_state_dict(file.tensors);
    sched2->load_state_dict(file.tensors);
    CHECK(sched2->last_epoch() == kBefore);
    CHECK(sched2->get_last_lrs() == sched1->get_last_lrs());
    run(second, *opt2, kAfter, nullptr, sched2.get());
    CHECK(second.values() == whole.values());  // bitwise
    CHECK(opt2->param_groups()[0].lr == opt->param_groups()[0].lr);
  };
  SUBCASE("SGD with nesterov momentum and StepLR") {
    check_resume(
        [](const Problem& p) {
          const SGDOptions options{.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true};
          return std::make_unique<SGD>(p.params(), options);
        },
        [](Optimizer& o) { return std::make_unique<StepLR>(o, 2, 0.5); });
  }
  SUBCASE("Adam with amsgrad and NoamLR") {
    check_resume(
        [](const Problem& p) {
          return std::make_unique<Adam>(p.params(), AdamOptions{.lr = 1.0, .weight_decay = 0.1, .amsgrad = true});
        },
        [](Optimizer& o) { return std::make_unique<NoamLR>(o, 16, 3); });
  }
  SUBCASE("AdamW with two groups and cosine annealing") {
    check_resume(
        [](const Problem& p) {
          auto opt = std::make_unique<AdamW>(NamedParams{{"a", p.a}}, AdamWOptions{.lr = 0.1});
          opt->add_param_group({.params = {{"b", p.b}}, .lr = 0.05, .weight_decay = 0.0});
          return opt;
        },
        [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 5, 0.001); });
  }
}

// ---- errors -----------------------------------------------------------------------------------------

TEST_CASE("optim: bad options throw ValueError naming the rule") {
  Problem p;
  CHECK_THROWS_WITH_AS(SGD(p.params(), {.lr = -0.1}), "SGD: lr must be >= 0; got lr=-0.1", ValueError);
  CHECK_THROWS_WITH_AS(SGD(p.params(), {}), "SGD: lr must be >= 0; got lr=nan", ValueError);
  CHECK_THROWS_WITH_AS(SGD(p.params(), {.lr = 0.1, .momentum = -0.5}), "SGD: momentum must be >= 0; got momentum=-0.5",
                       ValueError);
  CHECK_THROWS_WITH_AS(SGD(p.params(), {.lr = 0.1, .nesterov = true}),
                       "SGD: nesterov needs momentum > 0 and dampening == 0; got momentum=0, dampening=0", ValueError);
  CHECK_THROWS_WITH_AS(SGD(p.params(), {.lr = 0.1, .weight_decay = -1}),
                       "SGD: weight_decay must be >= 0; got weight_decay=-1", ValueError);
  CHECK_THROWS_WITH_AS(Adam(p.params(), {.betas = {0.9, 1.0}}), "Adam: betas must lie in [0, 1); got betas=(0.9, 1)",
                       ValueError);
  CHECK_THROWS_WITH_AS(Adam(p.params(), {.betas = {-0.1, 0.999}}),
                       "Adam: betas must lie in [0, 1); got betas=(-0.1, 0.999)", ValueError);
  CHECK_THROWS_WITH_AS(Adam(p.params(), {.eps = -1e-8}), "Adam: eps must be >= 0; got eps=-1e-08", ValueError);
  CHECK_THROWS_WITH_AS(AdamW(p.params(), {.weight_decay = -0.01}),
                       "AdamW: weight_decay must be >= 0; got weight_decay=-0.01", ValueError);
}

TEST_CASE("optim: bad parameters throw naming the parameter") {
  Problem p;
  CHECK_THROWS_WITH_AS(SGD(NamedParams{}, {.lr = 0.1}), "SGD: a parameter group needs at least one parameter; got 0",
                       ValueError);
  CHECK_THROWS_WITH_AS(SGD(NamedParams{{"a", p.a}, {"a", p.b}}, {.lr = 0.1}),
                       "SGD: parameter names must be unique; got \"a\" twice", ValueError);
  CHECK_THROWS_WITH_AS(SGD(NamedParams{{"a", p.a}, {"a2", p.a}}, {.lr = 0.1}),
                       "SGD: a parameter may appear only once; got \"a2\", already held as \"a\"", ValueError);
  CHECK_THROWS_WITH_AS(SGD(NamedParams{{"", p.a}}, {.lr = 0.1}), "SGD: parameter names must be non-empty; got \"\"",
                       ValueError);
  CHECK_THROWS_WITH_AS(SGD(NamedParams{{"twice", p.a * 2.0}}, {.lr = 0.1}),
                       "SGD: can only optimize leaf tensors; got \"twice\", the output of an op", ValueError);
  CHECK_THROWS_WITH_AS(SGD(std::vector<Tensor>{zeros({2}, kInt64)}, {.lr = 0.1}),
                       "SGD: parameters must be float32 or float64; got \"0\" of dtype int64", DTypeError);
  SGD opt(NamedParams{{"a", p.a}}, {.lr = 0.1});
  CHECK_THROWS_WITH_AS(opt.add_param_group({.params = {{"b", p.b}}}), "SGD: lr must be >= 0; got lr=nan", ValueError);
  CHECK_THROWS_WITH_AS(opt.add_param_group({.params = {{"a", p.b}}, .lr = 0.1}),
                       "SGD: parameter names must be unique; got \"a\" twice", ValueError);
  CHECK(opt.param_groups().size() == 1);
}

TEST_CASE("optim: load_state_dict rejects state that does not fit, and changes nothing") {
  Problem p;
  Adam opt(p.params(), {.lr = 0.1});
  run(p, opt, 1);
  const StateDict good = opt.state_dict();
  auto with = [&](const std::string& key, const Tensor& value) {
    StateDict sd = good;
    sd[key] = value;  // added, or replacing the good entry
    return sd;
  };
  auto without = [&](const std::string& key) {
    StateDict sd = good;
    sd.erase(key);
    return sd;
  };
  Adam fresh(p.params(), {.lr = 0.5});
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(with("optim.c.exp_avg", zeros({2}, kFloat64))),
                       "Adam.load_state_dict: no parameter of this optimizer has that name; got optim.c.exp_avg",
                       ValueError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(with("optim.a.exp_avg", zeros({3}, kFloat64))),
                       "Adam.load_state_dict: a buffer must have its parameter's shape; got optim.a.exp_avg=[3], "
                       "parameter \"a\"=[2, 2]",
                       ShapeError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(with("optim.a.momentum_buffer", zeros({2, 2}, kFloat64))),
                       "Adam.load_state_dict: unknown entry (Adam keeps step, exp_avg, exp_avg_sq); got "
                       "optim.a.momentum_buffer",
                       ValueError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(with("optim.a.step", zeros({2}, kInt64))),
                       "Adam.load_state_dict: a scalar entry must hold one element; got optim.a.step=[2]", ShapeError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(with("optim.a.step", scalar_tensor(0, kInt64))),
                       "Adam.load_state_dict: a step count must be >= 1; got optim.a.step=0", ValueError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(without("optim.b.exp_avg_sq")),
                       "Adam.load_state_dict: missing entry; got no optim.b.exp_avg_sq", ValueError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(without("optim.param_groups.0.lr")),
                       "Adam.load_state_dict: missing entry; got no optim.param_groups.0.lr", ValueError);
  CHECK_THROWS_WITH_AS(fresh.load_state_dict(with("optim.param_groups.1.lr", scalar_tensor(0.1, kFloat64))),
                       "Adam.load_state_dict: the state has more parameter groups than the optimizer (1); got "
                       "optim.param_groups.1.lr",
                       ValueError);
  CHECK(fresh.state("a") == nullptr);  // nothing changed by the failed loads
  CHECK(fresh.param_groups()[0].lr == 0.5);
  SGD sgd(p.params(), {.lr = 0.1});
  CHECK_THROWS_WITH_AS(sgd.load_state_dict(good),
                       "SGD.load_state_dict: unknown entry (SGD keeps step); got optim.a.exp_avg", ValueError);
  fresh.load_state_dict(with("model.weight", zeros({5})));  // entries outside "optim." are not ours
  CHECK(fresh.param_groups()[0].lr == 0.1);
}

TEST_CASE("optim: clip_grad_norm leaves gradients alone when the norm is small or not finite") {
  Problem p;
  p.backward();
  const std::vector<double> ga = p.a.grad().to_vector<double>();
  CHECK(clip_grad_norm(p.params(), 100.0) == doctest::Approx(kSgdClipNorms[0]).epsilon(1e-14));
  CHECK(p.a.grad().to_vector<double>() == ga);
  {
    NoGradGuard no_grad;
    p.b.grad().fill_(std::numeric_limits<double>::infinity());
  }
  CHECK(std::isinf(clip_grad_norm(p.params(), 1.0)));
  CHECK(p.a.grad().to_vector<double>() == ga);
  CHECK(clip_grad_norm(std::vector<Tensor>{zeros({2}, kFloat64)}, 1.0) == 0.0);  // no gradients
  CHECK_THROWS_WITH_AS(clip_grad_norm(p.params(), -1.0), "clip_grad_norm: max_norm must be >= 0; got max_norm=-1",
                       ValueError);
  CHECK_THROWS_WITH_AS(clip_grad_norm(p.params(), 1.0, 0.0),
                       "clip_grad_norm: norm_type must be > 0 (inf allowed); got norm_type=0", ValueError);
}

TEST_CASE("optim: bad schedule options and mismatched schedule state throw") {
  Problem p;
  SGD opt(p.params(), {.lr = 0.1});
  CHECK_THROWS_WITH_AS(StepLR(opt, 0), "StepLR: step_size must be >= 1; got step_size=0", ValueError);
  CHECK_THROWS_WITH_AS(CosineAnnealingLR(opt, 0), "CosineAnnealingLR: T_max must be >= 1; got T_max=0", ValueError);
  CHECK_THROWS_WITH_AS(LinearWarmup(opt, 0.0, 10), "LinearWarmup: start_factor must lie in (0, 1]; got start_factor=0",
                       ValueError);
  CHECK_THROWS_WITH_AS(LinearWarmup(opt, 0.5, 0), "LinearWarmup: warmup_steps must be >= 1; got warmup_steps=0",
                       ValueError);
  CHECK_THROWS_WITH_AS(NoamLR(opt, 0, 4000), "NoamLR: d_model and warmup_steps must be >= 1; got d_model=0, "
                                             "warmup_steps=4000",
                       ValueError);
  CHECK_THROWS_WITH_AS(LambdaLR(opt, nullptr), "LambdaLR: lr_lambda must be a callable; got an empty std::function",
                       ValueError);

  StepLR sched(opt, 2);
  CHECK_THROWS_WITH_AS(sched.load_state_dict(StateDict{{"lr_scheduler.base_lrs.0", scalar_tensor(0.1, kFloat64)}}),
                       "StepLR.load_state_dict: missing entry; got no lr_scheduler.last_epoch", ValueError);
  CHECK_THROWS_WITH_AS(sched.load_state_dict(StateDict{{"lr_scheduler.gamma", scalar_tensor(0.1, kFloat64)}}),
                       "StepLR.load_state_dict: unknown entry (schedules keep last_epoch, base_lrs.<i>); got "
                       "lr_scheduler.gamma",
                       ValueError);
  opt.add_param_group({.params = {{"c", zeros({1}, kFloat64).requires_grad_()}}, .lr = 0.1});
  CHECK_THROWS_WITH_AS(sched.step(),
                       "StepLR: the optimizer's parameter groups changed after the scheduler was made; got 2 groups, "
                       "the scheduler has 1",
                       ValueError);
}
