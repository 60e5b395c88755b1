// `thon info` describers for the formats of the formats issue: STAR, thon HDF5 datasets (and any
// HDF5 file), atomic models (PDB / mmCIF), cryoSPARC .cs (NumPy) files. Each prints a summary to stdout and throws thon::Error
// for a file it cannot read. The sniffers look at the first bytes only and never throw.
#pragma once

#include <string>

namespace thon::cli {

void describe_star(const std::string& path);
void describe_hdf5(const std::string& path);
void describe_model(const std::string& path);
void describe_cryosparc(const std::string& path);

bool sniff_star(const std::string& path);
bool sniff_hdf5(const std::string& path);
bool sniff_model(const std::string& path);
bool sniff_cryosparc(const std::string& path);

}  // namespace thon::cli
