// cryoSPARC particle files (.cs): a NumPy structured array (.npy format, read by hand) and its
// conversion to a RELION 3.1 particle table.
//
// Conventions (docs/formats.md has the derivation and citations):
//   pose   alignments3D/pose is a rotation vector v (axis * angle, radians). With the right-handed
//          Rodrigues matrix R(v) = I + sin(t) [w]x + (1 - cos(t)) [w]x^2 (t = |v|, w = v / t), the
//          RELION matrix of the same view is A = R(v)^T (= R(-v)); the Euler angles are A's
//          decomposition (as pyem's csparc2star: its `expmap` builds R(v)^T, then `rot2euler`).
//          R(v) is thon::math::rotation_vector_to_matrix, the decomposition thon::math::matrix_to_euler.
//   shift  alignments3D/shift in pixels, same sign as rlnOriginX/Y: origin_A = shift * blob/psize_A.
//   CTF    ctf/df1_A -> rlnDefocusU, df2_A -> V, df_angle_rad and phase_shift_rad -> degrees,
//          accel_kv, cs_mm, amp_contrast -> optics group.
//   split  alignments3D/split 0/1 -> rlnRandomSubset 1/2; alignments3D/class 0-based -> +1.
//   image  blob/idx (0-based) and blob/path -> rlnImageName "idx+1@path".
//   float32 values are taken as the shortest decimal that reads back as the same float (0.07f ->
//   0.07), so float(converted) == stored value exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "thon/io/particles.hpp"

namespace thon::io {

/// One field of a NumPy structured dtype.
struct NpyField {
  std::string name;
  char kind = 'f';          ///< 'f' float, 'i' signed, 'u' unsigned, 'b' bool, 'S' bytes, 'U' UCS-4, 'V' void
  int item_bytes = 4;       ///< bytes of one element
  bool big_endian = false;
  std::vector<int> shape;   ///< sub-array shape; empty for a scalar field
  std::int64_t offset = 0;  ///< byte offset inside a record
  std::int64_t count() const;  ///< elements per record (product of shape, 1 for a scalar)
};

/// A 1-D NumPy structured array read from a .npy / .cs file (format versions 1, 2 and 3). Bytes
/// after the array (cryoSPARC may append metadata) are ignored. Object fields ('O': pickled
/// Python objects) are rejected with an error.
class NpyRecords {
 public:
  static NpyRecords read(const std::string& path);
  static NpyRecords parse(const void* data, std::size_t size, const std::string& source);

  std::int64_t n_records() const { return n_records_; }
  std::int64_t record_bytes() const { return record_bytes_; }
  const std::vector<NpyField>& fields() const { return fields_; }
  const NpyField* find(const std::string& name) const;
  /// Field that must exist; throws naming the file and the field.
  const NpyField& require(const std::string& name) const;
  /// Element `element` of a numeric or bool field of record `record`, as double.
  double number(std::int64_t record, const NpyField& field, std::int64_t element = 0) const;
  /// A bytes ('S') or unicode ('U') field, trailing NULs removed (UCS-4 reduced to ASCII/UTF-8).
  std::string text(std::int64_t record, const NpyField& field) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<NpyField> fields_;
  std::vector<unsigned char> data_;  ///< n_records * record_bytes
  std::int64_t n_records_ = 0, record_bytes_ = 0;
};

struct CryosparcOptions {
  /// Prepended to blob/path (cryoSPARC paths are relative to the project directory).
  std::string image_directory;
};

/// Converts a cryoSPARC particle file to a RELION 3.1 table (see the conventions above). Requires
/// blob/path, blob/idx and blob/psize_A; CTF fields are all-or-none (ctf/df1_A, df2_A,
/// df_angle_rad, accel_kv, cs_mm, amp_contrast; phase_shift_rad optional); poses, shifts, split
/// and class are used when present. Throws thon::Error naming the file and the missing field.
ParticleTable cryosparc_to_particles(const NpyRecords& cs, const CryosparcOptions& options = {});
ParticleTable read_cryosparc_particles(const std::string& path, const CryosparcOptions& options = {});


}  // namespace thon::io
