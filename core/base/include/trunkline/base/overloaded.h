// Overloaded: builds one visitor for std::visit out of several lambdas.
#pragma once

namespace trunkline {

template <class... Fns>
struct Overloaded : Fns... {
  using Fns::operator()...;
};
template <class... Fns>
Overloaded(Fns...) -> Overloaded<Fns...>;

}  // namespace trunkline
