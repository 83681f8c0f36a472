// A certificate as a printable page (include/yanxiu/render/certificate_html.hpp).

#include <yanxiu/render/certificate_html.hpp>

#include "render/common.hpp"

#include <qrencode.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace yanxiu {

namespace {

using render::escape;

void replace_all(std::string& s, std::string_view from, std::string_view to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

/// "2023-01-30T20:15:00+08:00" as 2023年1月30日.
std::string chinese_date(std::string_view instant) {
    if (instant.size() < 10) return std::string(instant);
    const int year = std::stoi(std::string(instant.substr(0, 4)));
    const int month = std::stoi(std::string(instant.substr(5, 2)));
    const int day = std::stoi(std::string(instant.substr(8, 2)));
    return std::to_string(year) + "年" + std::to_string(month) + "月" + std::to_string(day) + "日";
}

}  // namespace

std::string certificate_qr_text(const Certificate& certificate, std::string_view verify_url) {
    if (verify_url.empty()) return certificate.code;
    std::string text(verify_url);
    replace_all(text, "{code}", certificate.code);
    replace_all(text, "{id}", certificate.id);
    return text;
}

std::string qr_svg(std::string_view text, int size) {
    const std::string copy(text);
    std::unique_ptr<QRcode, void (*)(QRcode*)> code(QRcode_encodeString8bit(copy.c_str(), 0, QR_ECLEVEL_M),
                                                     QRcode_free);
    if (!code) throw std::runtime_error("the QR code cannot hold " + std::to_string(text.size()) + " bytes");
    const int width = code->width, quiet = 4, modules = width + 2 * quiet;
    // One path of unit squares, one per dark module, in module coordinates.
    std::string path;
    for (int y = 0; y < width; ++y)
        for (int x = 0; x < width; ++x)
            if (code->data[y * width + x] & 1)
                path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(size) + "\" height=\"" +
           std::to_string(size) + "\" viewBox=\"0 0 " + std::to_string(modules) + " " + std::to_string(modules) +
           "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"" + escape(text) +
           "\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

std::string certificate_html(const Certificate& c, const Program& program, std::string_view verify_url) {
    const Category* category = program.find_category(c.category);
    const std::string category_name = category && !category->label.zh.empty() ? category->label.zh : c.category;
    const std::string title = program.title().zh.empty() ? program.id() : program.title().zh;
    const std::string who = c.name.empty() ? c.participant : c.name;
    std::string page;
    page += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>学时记录证书 " +
            escape(c.id) + "</title>\n<style>\n"
            "@page { size: A4; margin: 0; }\n"
            "html, body { margin: 0; padding: 0; }\n"
            "body { font-family: \"Noto Serif CJK SC\", \"Noto Sans CJK SC\", \"Source Han Serif SC\", serif; color: #222; }\n"
            ".page { box-sizing: border-box; width: 210mm; height: 297mm; padding: 28mm 24mm; position: relative; "
            "border: 6mm solid #8b1a1a; }\n"
            "h1 { text-align: center; font-size: 30pt; letter-spacing: 0.4em; margin: 10mm 0 4mm; color: #8b1a1a; }\n"
            ".programme { text-align: center; font-size: 13pt; margin-bottom: 16mm; }\n"
            ".body { font-size: 15pt; line-height: 2.1; text-indent: 2em; }\n"
            "table { margin: 12mm auto 0; border-collapse: collapse; font-size: 12pt; }\n"
            "td { padding: 2mm 5mm; border-bottom: 1px solid #ccc; } td:first-child { color: #666; }\n"
            ".verify { position: absolute; left: 24mm; right: 24mm; bottom: 26mm; display: flex; "
            "align-items: center; gap: 8mm; font-size: 10pt; color: #444; }\n"
            ".code { font-family: monospace; font-size: 14pt; letter-spacing: 0.1em; color: #222; }\n"
            "@media screen { body { background: #eee; } .page { margin: 10mm auto; background: #fff; } }\n"
            "</style>\n</head>\n<body>\n<div class=\"page\">\n";
    page += "<h1>学时记录证书</h1>\n<div class=\"programme\">" + escape(title) + "</div>\n";
    page += "<p class=\"body\">" + escape(who) + "（" + escape(c.unit) + "，" + escape(category_name) + "）于" +
            escape(chinese_date(c.completed_at)) + "完成本次培训，认定学习课程 " + std::to_string(c.lessons) +
            " 节，记录学时 " + escape(c.hours) + " 学时，特发此证。</p>\n";
    page += "<table>\n<tr><td>证书编号</td><td>" + escape(c.id) + "</td></tr>\n<tr><td>参训人员编号</td><td>" +
            escape(c.participant) + "</td></tr>\n<tr><td>完成时间</td><td>" + escape(c.completed_at) +
            "</td></tr>\n<tr><td>发证时间</td><td>" + escape(c.issued_at) + "</td></tr>\n<tr><td>培训方案</td><td>" +
            escape(c.programme_id) + " " + escape(c.programme_version) + "</td></tr>\n";
    if (!c.supersedes.empty()) page += "<tr><td>替代证书</td><td>" + escape(c.supersedes) + "</td></tr>\n";
    page += "</table>\n<div class=\"verify\">" + qr_svg(certificate_qr_text(c, verify_url), 130) +
            "<div>验证码 <span class=\"code\">" + escape(c.code) +
            "</span><br>扫描二维码或输入验证码核验本证书；证书记录经 Ed25519 签名（密钥 " + escape(c.key) +
            "），任何改动都无法通过核验。</div></div>\n";
    page += "</div>\n</body>\n</html>\n";
    return page;
}

}  // namespace yanxiu
