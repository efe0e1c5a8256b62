"""Roster exports shaped like what schools' information systems produce, written by hand.

Not made by the workbench's roster generator: other header spellings, a byte
order mark, Windows line ends, quoted commas, accented names, Y/N and
Yes/No cells, zero-padded grades, blank cells, emails and homerooms.
"""

from __future__ import annotations

from pathlib import Path

# The export of the issue: "Student ID, Last Name, First Name, Grade, ..."
EXPORT_A = """\
Student ID,Last Name,First Name,Grade,Gender,ELL (Y/N),IEP (Y/N),First Gen,Home Language,Free Periods,Interests,Wants to mentor (Y/N),Email,Homeroom,Do Not Pair With
100231,Trần,Minh,08,M,N,N,Y,Vietnamese,2;5,"robotics, art",Y,mtran@msd.example.org,8-Rivera,
100232,"García López",Ana,8,F,Y,N,Y,Spanish,2;6,"soccer, cooking",Y,agarcia@msd.example.org,8-Rivera,100245
100233,"Smith, Jr.",Caleb,8,M,N,Y,N,English,5;6,"coding, reading",Y,csmith@msd.example.org,8-Chen,
100234,Okafor,Chiamaka,07,F,N,N,N,English;Igbo,2,"art, music",Y,cokafor@msd.example.org,7-Patel,
100235,Lefèvre,Zoé,8,X,N,N,N,French;English,,"reading, chess",Y,zlefevre@msd.example.org,8-Chen,
100236,Kowalski,Jakub,8,M,Y,N,Y,Polish;English,3;5,"robotics, coding",Y,jkowalski@msd.example.org,8-Rivera,
100237,Haddad,Layla,7,F,N,N,Y,Arabic;English,2;3,"music, soccer",Y,lhaddad@msd.example.org,7-Patel,
100238,Nguyễn,Bảo,06,M,Y,N,Y,Vietnamese,2;5,"robotics, cooking",N,bnguyen@msd.example.org,6-Adams,
100239,Johnson,Maya,6,F,N,Y,N,English,5,"art, reading",N,mjohnson@msd.example.org,6-Adams,
100240,Müller,Lukas,06,M,N,N,N,German;English,6,"soccer, coding",N,lmuller@msd.example.org,6-Baker,
100241,Hernández,Sofía,7,F,Y,N,Y,Spanish,2;6,"soccer, art",N,shernandez@msd.example.org,7-Patel,
100242,Brown,Eli,6,M,N,N,N,,,"chess, coding",N,ebrown@msd.example.org,6-Baker,
100243,Yılmaz,Elif,7,F,N,Y,N,Turkish;English,3,robotics,N,eyilmaz@msd.example.org,7-Kim,
100244,O'Connor,Siobhán,6,F,N,N,N,English,2;3,"music, art",N,soconnor@msd.example.org,6-Adams,
100245,Wang,Hao,6,M,Y,N,Y,Mandarin,6,"coding, chess",N,hwang@msd.example.org,6-Baker,
100246,Diallo,Aminata,7,F,Y,N,Y,French,5,"reading, music",N,adiallo@msd.example.org,7-Kim,
100247,Kim,Ji-woo,6,X,N,N,N,Korean;English,3;6,"art, coding",N,jkim@msd.example.org,6-Baker,
100248,Silva,João,7,M,Y,Y,Y,Portuguese,2;5,"soccer, robotics",N,jsilva@msd.example.org,7-Kim,
"""

# Another system's spellings: "Student Number", "Surname", "Given Name", "Gr", ...
EXPORT_B = """\
STUDENT NUMBER,Surname,Given Name,Gr,Sex,English Learner,Disability,First Generation,Primary Language,Availability,Clubs,Willing to Mentor,School Email,Advisory,School
S-0041,Ferreira,Inês,09,F,yes,no,yes,Portuguese,tue_lunch|thu_lunch,chess|debate,Yes,iferreira@hs.example.org,A1,North
S-0042,Ahmed,Yusuf,10,M,no,no,no,English,tue_lunch,robotics|chess,Yes,yahmed@hs.example.org,A1,North
S-0043,Larsen,Freja,11,F,no,yes,no,English,thu_lunch|fri_lunch,art|debate,yes,flarsen@hs.example.org,A2,North
S-0044,Moreau,Théo,9,M,yes,no,yes,French,tue_lunch|fri_lunch,chess|art,No,tmoreau@hs.example.org,A2,North
S-0045,Osei,Kwame,9,M,no,no,yes,English,thu_lunch,robotics,no,kosei@hs.example.org,A1,North
S-0046,Petrov,Anya,10,F,yes,no,yes,Russian,,debate|art,NO,apetrov@hs.example.org,A2,North
S-0047,Quispe,Rosa,11,F,no,no,yes,Spanish,tue_lunch,art,Yes,rquispe@hs.example.org,B1,South
S-0048,Rossi,Marco,9,M,no,yes,no,Italian,tue_lunch|thu_lunch,robotics|chess,No,mrossi@hs.example.org,B1,South
S-0049,Sato,Hana,9,F,yes,no,no,Japanese,thu_lunch,art|chess,No,hsato@hs.example.org,B2,South
S-0050,Tembo,Chipo,10,F,no,no,yes,English,tue_lunch|thu_lunch,debate,Yes,ctembo@hs.example.org,B2,South
"""

#: What a coordinator would confirm for EXPORT_A (header -> use).
EXPECTED_A = {
    "Student ID": "id",
    "Last Name": "name",
    "First Name": "name",
    "Grade": "grade",
    "Gender": "group",
    "ELL (Y/N)": "group",
    "IEP (Y/N)": "group",
    "First Gen": "group",
    "Home Language": "languages",
    "Free Periods": "schedule",
    "Interests": "interests",
    "Wants to mentor (Y/N)": "role",
    "Email": "info",
    "Homeroom": "info",
    "Do Not Pair With": "must_not_meet",
}
EXPECTED_B = {
    "STUDENT NUMBER": "id",
    "Surname": "name",
    "Given Name": "name",
    "Gr": "grade",
    "Sex": "group",
    "English Learner": "group",
    "Disability": "group",
    "First Generation": "group",
    "Primary Language": "languages",
    "Availability": "schedule",
    "Clubs": "interests",
    "Willing to Mentor": "role",
    "School Email": "info",
    "Advisory": "info",
    "School": "site",
}
SENSITIVE_A = ("Gender", "ELL (Y/N)", "IEP (Y/N)", "First Gen")


def write_export(folder: Path, text: str, name: str = "export.csv") -> Path:
    """Save an export the way a spreadsheet does: UTF-8 with a BOM, Windows line ends."""
    path = folder / name
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    return path
